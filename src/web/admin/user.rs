//! One account's page (`GET /admin/users/{id}`): its details and live sessions, the forms of
//! every action, the notice after one, or why one was refused ([`refused`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::{NoticeQuery, human_size, notice_text, role_name, size_input, state_name};
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::UserId;
use crate::db::models::sessions;
use crate::db::models::users::{self, Role, UserState};
use crate::error::{AppError, FieldErrors};
use crate::http::auth::CurrentUser;
use crate::state::AppState;
use crate::web::i18n::{self, Lang};
use crate::web::{Locale, Nav, PageAdmin, PageError, capitalize, display_time, html};

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    nav: Nav,
    section: &'static str,
    shown: Shown,
    id: String,
    username: String,
    email: String,
    phone: String,
    role: &'static str,
    is_admin: bool,
    state: &'static str,
    active: bool,
    storage_used: String,
    quota: String,
    quota_input: String,
    created: String,
    last_login: String,
    /// RFC 3339 for `<time datetime>` (empty when never logged in).
    created_iso: String,
    last_login_iso: String,
    sessions: usize,
    is_me: bool,
    /// Whether two-factor login is on (the reset button shows then).
    totp_enabled: bool,
}

/// What a user's page reports besides the account: a notice, or why an action was refused.
#[derive(Default)]
struct Shown {
    notice: Option<&'static str>,
    /// A refusal that is no one field's fault (the last administrator), as a sentence.
    error: Option<String>,
    errors: FieldErrors,
    /// The quota as typed, when it was refused.
    quota: Option<String>,
}

async fn render_user(
    state: &web::Data<AppState>,
    me: &CurrentUser,
    loc: &Locale,
    id: &str,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let id = UserId(id.to_owned());
    let (u, live, totp_enabled) = db::run(&state.db, move |conn| {
        let u = users::find(conn, &id)?;
        let live = sessions::list_live(conn, &u.id, Utc::now().naive_utc())?.len();
        Ok((u, live, crate::users::totp::enabled(conn, &id)?))
    })
    .await?;
    let ta = loc.lang.admin();
    let page = UserPage {
        nav: Nav::user(state, me, loc),
        section: "user",
        quota_input: shown
            .quota
            .clone()
            .unwrap_or_else(|| size_input(u64::try_from(u.quota).unwrap_or_default())),
        shown,
        id: u.id.to_string(),
        username: u.username.clone(),
        email: u.email.clone().unwrap_or_default(),
        phone: u.phone.clone().unwrap_or_default(),
        role: role_name(ta, u.role()),
        is_admin: u.role() == Role::Admin,
        state: state_name(ta, u.state()),
        active: u.state() == UserState::Active,
        storage_used: human_size(loc.lang, u.storage_used),
        quota: human_size(loc.lang, u.quota),
        created: display_time(u.created_at),
        last_login: u.last_login_at.map_or_else(|| ta.never.to_owned(), display_time),
        created_iso: rfc3339(u.created_at),
        last_login_iso: u.last_login_at.map(rfc3339).unwrap_or_default(),
        sessions: live,
        is_me: u.id == me.user.id,
        totp_enabled,
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /admin/users/{id}`
pub(super) async fn user_page(
    state: web::Data<AppState>,
    admin: PageAdmin,
    loc: Locale,
    id: web::Path<String>,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = notice_text(loc.lang.admin(), q.notice.as_deref());
    let shown = Shown { notice, ..Shown::default() };
    render_user(&state, &admin.0, &loc, &id, StatusCode::OK, shown).await
}

/// A domain message as a sentence in `lang`: translated (see `i18n::translate`), capital
/// first letter, final full stop (`。` after Chinese).
fn sentence(lang: Lang, message: &str) -> String {
    let mut s = capitalize(i18n::translate(lang, message.trim()));
    match s.chars().last() {
        Some('.' | '。') | None => {}
        Some(c) if c.is_ascii() => s.push('.'),
        Some(_) => s.push('。'),
    }
    s
}

/// A refused action, shown on the account's page: field errors (400) next to their field, a
/// conflict such as removing the last administrator (409) at the top; anything else is the
/// error page.
pub(super) async fn refused(
    state: &web::Data<AppState>,
    me: &CurrentUser,
    loc: &Locale,
    id: &str,
    e: AppError,
    typed_quota: Option<String>,
) -> Result<HttpResponse, PageError> {
    let status = e.code_and_status().1;
    let shown = match e {
        AppError::Validation(errors) => Shown { errors, quota: typed_quota, ..Shown::default() },
        AppError::Conflict(message) => {
            Shown { error: Some(sentence(loc.lang, &message)), ..Shown::default() }
        }
        other => return Err(other.into()),
    };
    render_user(state, me, loc, id, status, shown).await
}
