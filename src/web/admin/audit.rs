//! The audit log (`GET /admin/audit`): newest first, filtered by event, account and text,
//! paged backwards by entry id with a link to the newer page too.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::audit::{AuditQuery, Detail, Event};
use crate::auth::tokens::rfc3339;
use crate::db::models::MAX_PAGE;
use crate::db::models::audit::{self, AuditFilter, AuditRow};
use crate::db::models::users;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::i18n::{self, AdminUi, Lang};
use crate::web::{Locale, Nav, PageAdmin, PageError, display_time, html};

struct EventChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// An account named in an entry, linked to the log filtered on it.
struct Who {
    name: String,
    url: Option<String>,
}

struct AuditLine {
    at: String,
    at_iso: String,
    event: String,
    actor: Option<Who>,
    target: Option<Who>,
    login: String,
    ip: String,
    user_agent: String,
    /// The device in words, from `user_agent`.
    device: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    nav: Nav,
    section: &'static str,
    events: Vec<EventChoice>,
    user: String,
    q: String,
    rows: Vec<AuditLine>,
    newer: Option<String>,
    older: Option<String>,
}

/// The log's URL for these filters, from entry `before` on.
fn audit_url(event: &str, user: &str, q: &str, before: Option<i64>, limit: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [("event", event), ("user", user), ("q", q)] {
        if !value.is_empty() {
            s.append_pair(key, value);
        }
    }
    if let Some(b) = before {
        s.append_pair("before", &b.to_string());
    }
    if let Some(l) = limit {
        s.append_pair("limit", &l.to_string());
    }
    format!("/admin/audit?{}", s.finish())
}

fn who(id: Option<String>, name: Option<String>) -> Option<Who> {
    let name = name.or_else(|| id.clone())?;
    Some(Who { name, url: id.map(|id| audit_url("", &id, "", None, None)) })
}

/// How the audit page names an event.
fn event_label(ta: &'static AdminUi, e: Event) -> &'static str {
    match e {
        Event::Registered => ta.ev_registered,
        Event::LoginSucceeded => ta.ev_login,
        Event::LoginFailed => ta.ev_login_failed,
        Event::Logout => ta.ev_logout,
        Event::LogoutAll => ta.ev_logout_all,
        Event::SessionRevoked => ta.ev_session_revoked,
        Event::PasswordChanged => ta.ev_password_changed,
        Event::UserCreated => ta.ev_user_created,
        Event::UserDisabled => ta.ev_user_disabled,
        Event::UserEnabled => ta.ev_user_enabled,
        Event::RoleChanged => ta.ev_role_changed,
        Event::QuotaChanged => ta.ev_quota_changed,
        Event::SessionsEndedByAdmin => ta.ev_sessions_ended,
        Event::PasswordReset => ta.ev_password_reset,
        Event::UserDeleted => ta.ev_user_deleted,
        Event::SettingChanged => ta.ev_setting_changed,
        Event::AppPasswordCreated => ta.ev_app_password_created,
        Event::AppPasswordRevoked => ta.ev_app_password_revoked,
        Event::DeviceApproved => ta.ev_device_approved,
        Event::DeviceDenied => ta.ev_device_denied,
        Event::TotpEnabled => ta.ev_totp_enabled,
        Event::TotpDisabled => ta.ev_totp_disabled,
        Event::TotpResetByAdmin => ta.ev_totp_reset,
        Event::RecoveryCodesRegenerated => ta.ev_recovery_codes,
        Event::LoginMfaFailed => ta.ev_login_mfa_failed,
        Event::ShareCreated => ta.ev_share_created,
        Event::ShareRevoked => ta.ev_share_revoked,
        Event::SharePasswordFailed => ta.ev_share_password_failed,
        Event::RefreshTokenReused => ta.ev_refresh_reused,
    }
}

/// One entry as a row, in `lang`. The detail is said from its code and values; an entry
/// written before codes existed (or with a code this version does not know) shows its stored
/// English text.
fn audit_line(lang: Lang, r: AuditRow) -> AuditLine {
    let (ta, t) = (lang.admin(), lang.ui());
    let detail = r
        .detail_code
        .as_deref()
        .and_then(|code| Detail::decode(code, r.detail_params.as_deref()))
        .map(|d| i18n::audit::detail(lang, &d));
    AuditLine {
        at: display_time(r.at),
        at_iso: rfc3339(r.at),
        event: Event::parse(&r.event).map_or(r.event.clone(), |e| event_label(ta, e).to_owned()),
        actor: who(r.actor_id, r.actor_name),
        target: who(r.target_id, r.target_name),
        login: r.login.unwrap_or_default(),
        ip: r.ip.unwrap_or_default(),
        device: crate::web::account::device_words(t, r.user_agent.as_deref()),
        user_agent: r.user_agent.unwrap_or_default(),
        detail: detail.or(r.detail).unwrap_or_default(),
    }
}

/// The `before` of the page just newer than the one starting at `before` (`Some(None)`: the
/// newest page; `None`: there is nothing newer). The log only pages backwards, so this walks
/// down from the newest entry, keeping the last `limit` ids at or above `before`.
fn newer_page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    before: i64,
    limit: i64,
) -> Result<Option<Option<i64>>, AppError> {
    let limit = usize::try_from(limit).unwrap_or(1);
    let mut walk = AuditFilter { before: None, ..filter.clone() };
    let (mut seen, mut tail) = (0usize, std::collections::VecDeque::with_capacity(limit + 1));
    loop {
        let chunk = audit::list(conn, &walk, MAX_PAGE)?;
        let newer: Vec<i64> = chunk.iter().map(|r| r.id).take_while(|id| *id >= before).collect();
        for id in &newer {
            tail.push_back(*id);
            if tail.len() > limit {
                tail.pop_front();
            }
        }
        seen += newer.len();
        if newer.len() < chunk.len() || chunk.len() < usize::try_from(MAX_PAGE).unwrap_or(0) {
            break;
        }
        walk.before = chunk.last().map(|r| r.id);
    }
    Ok(match tail.front() {
        None => None,
        Some(_) if seen <= limit => Some(None),
        Some(top) => Some(Some(top + 1)),
    })
}

/// `GET /admin/audit?event=&user=&q=&before=&limit=`: newest first. `user` is a user name or
/// an account id (an id still finds the entries of a deleted account).
pub(super) async fn audit_log(
    state: web::Data<AppState>,
    admin: PageAdmin,
    loc: Locale,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let ta = loc.lang.admin();
    let (mut filter, limit) = query.to_filter()?;
    let (rows, newer) = db::run(&state.db, move |conn| {
        if let Some(name) = filter.user_id.clone()
            && let Some(u) = users::find_by_username(conn, &name)?
        {
            filter.user_id = Some(u.id.to_string());
        }
        let rows = audit::list(conn, &filter, limit + 1)?;
        let newer = match filter.before {
            Some(before) => newer_page(conn, &filter, before, limit)?,
            None => None,
        };
        Ok((rows, newer))
    })
    .await?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (event, user, q) = (filter_event(&query.0), text(&query.user), text(&query.q));
    let keep = query.limit.map(|_| limit);
    let page_size = usize::try_from(limit).unwrap_or(0);
    // One row more than a page was read: if it came, the last row shown starts the older page.
    let older = match rows.get(page_size) {
        Some(_) => rows.get(page_size - 1).map(|r| audit_url(event, &user, &q, Some(r.id), keep)),
        None => None,
    };
    let page = AuditPage {
        nav: Nav::user(&state, &admin.0, &loc),
        section: "audit",
        events: Event::ALL
            .iter()
            .map(|e| EventChoice {
                value: e.as_str(),
                label: event_label(ta, *e),
                selected: e.as_str() == event,
            })
            .collect(),
        newer: newer.map(|b| audit_url(event, &user, &q, b, keep)),
        older,
        rows: rows.into_iter().take(page_size).map(|r| audit_line(loc.lang, r)).collect(),
        user,
        q,
    };
    html(HttpResponse::Ok(), &page)
}

/// The event kind filtered on, by its stored name (`""`: all).
fn filter_event(query: &AuditQuery) -> &'static str {
    query.event.as_deref().map(str::trim).and_then(Event::parse).map_or("", Event::as_str)
}
