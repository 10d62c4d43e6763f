//! The dashboard (`GET /admin`): figures on accounts, sessions and storage, the settings in
//! effect and where each comes from, and the form that changes them (`POST /admin/settings`,
//! through `settings::update`, which audits each change).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{NoticeQuery, human_size, human_u64, notice_text, parse_size, size_input};
use crate::admin_stats;
use crate::config::Registration;
use crate::db;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{CurrentUser, origin};
use crate::settings::{self, Change};
use crate::state::AppState;
use crate::web::i18n::AdminUi;
use crate::web::{CsrfForm, Locale, Nav, PageAdmin, PageError, html, redirect};

/// What the settings form shows: the values in effect, or what was typed.
struct SettingsInput {
    registration: String,
    default_quota: String,
    trash_retention_days: String,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    section: &'static str,
    notice: Option<&'static str>,
    users: i64,
    live_sessions: i64,
    storage_used: String,
    disk_free: String,
    disk_total: String,
    registration: &'static str,
    registration_source: &'static str,
    default_quota: String,
    default_quota_source: &'static str,
    trash_retention_days: u32,
    trash_retention_source: &'static str,
    input: SettingsInput,
    errors: FieldErrors,
}

/// Where a setting in effect comes from.
fn source(ta: &'static AdminUi, stored: bool) -> &'static str {
    if stored { ta.set_by_admin } else { ta.from_environment }
}

fn registration_name(ta: &'static AdminUi, r: Registration) -> &'static str {
    match r {
        Registration::Open => ta.registration_open,
        Registration::Closed => ta.registration_closed,
    }
}

async fn render_dashboard(
    state: &web::Data<AppState>,
    me: &CurrentUser,
    loc: &Locale,
    status: StatusCode,
    typed: Option<SettingsInput>,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let (stats, s) = db::run(&state.db, move |conn| {
        let stats = admin_stats::collect(conn, &st.config.data_dir, Utc::now().naive_utc())?;
        Ok((stats, settings::current(conn, &st.config)?))
    })
    .await?;
    let ta = loc.lang.admin();
    let unknown = || ta.unknown.to_owned();
    let page = DashboardPage {
        nav: Nav::user(state, me, loc),
        section: "dashboard",
        notice,
        users: stats.users,
        live_sessions: stats.live_sessions,
        storage_used: human_size(loc.lang, stats.storage_used),
        disk_free: stats.disk_free.map_or_else(unknown, |b| human_u64(loc.lang, b)),
        disk_total: stats.disk_total.map_or_else(unknown, |b| human_u64(loc.lang, b)),
        registration: registration_name(ta, s.registration),
        registration_source: source(ta, s.registration_stored),
        default_quota: human_u64(loc.lang, s.default_quota),
        default_quota_source: source(ta, s.default_quota_stored),
        trash_retention_days: s.trash_retention_days,
        trash_retention_source: source(ta, s.trash_retention_stored),
        input: typed.unwrap_or_else(|| SettingsInput {
            registration: s.registration.as_str().to_owned(),
            default_quota: size_input(s.default_quota),
            trash_retention_days: s.trash_retention_days.to_string(),
        }),
        errors,
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /admin`: figures, the settings in effect and the form to change them.
pub(super) async fn dashboard(
    state: web::Data<AppState>,
    admin: PageAdmin,
    loc: Locale,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = notice_text(loc.lang.admin(), q.notice.as_deref());
    let errors = FieldErrors::default();
    render_dashboard(&state, &admin.0, &loc, StatusCode::OK, None, errors, notice).await
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    registration: Option<String>,
    default_quota: Option<String>,
    trash_retention_days: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/settings` (`registration=open|closed`, `default_quota=10GiB`,
/// `trash_retention_days=30`): at once.
pub(super) async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, SettingsForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let input = SettingsInput {
        registration: form.registration.unwrap_or_default(),
        default_quota: form.default_quota.unwrap_or_default(),
        trash_retention_days: form.trash_retention_days.unwrap_or_default(),
    };
    // Not a number at all is out of range too: the domain's message says what is allowed.
    let retention = match input.trash_retention_days.trim() {
        "" => None,
        raw => Some(raw.parse::<u32>().unwrap_or(0)),
    };
    let quota = match input.default_quota.trim() {
        "" => Ok(None),
        raw => parse_size(loc.lang.admin(), "default_quota", raw).map(Some),
    };
    let result = match quota {
        Err(e) => Err(e),
        Ok(default_quota) => {
            let registration = Some(input.registration.clone()).filter(|r| !r.trim().is_empty());
            let change = Change { registration, default_quota, trash_retention_days: retention };
            let (st, from, who) = (state.clone(), origin(&req), me.user.clone());
            db::run(&state.db, move |conn| {
                let now = Utc::now().naive_utc();
                settings::update(conn, &st.config, &who, &change, &from, now)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(redirect("/admin?notice=settings").finish()),
        Err(AppError::Validation(errors)) => {
            let status = StatusCode::BAD_REQUEST;
            render_dashboard(&state, &me, &loc, status, Some(input), errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

crate::csrf_protected!(SettingsForm);
