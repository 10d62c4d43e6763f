//! `/admin`: the dashboard with the instance settings, the account list, a page per account
//! with every admin action, and the audit log. Thin over `users::admin`, `settings`,
//! `admin_stats` and the audit table, parsing queries the way the JSON API does
//! (`api::admin`). For anyone but an administrator the whole area answers 404: the scope is
//! wrapped in [`admins_only`] and every handler takes [`PageAdmin`].

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::admin_stats;
use crate::api::admin::{AuditQuery, MAX_PAGE, UserListQuery, parse_role, parse_state};
use crate::audit::Event;
use crate::auth::extractors::{CurrentUser, origin};
use crate::auth::tokens::rfc3339;
use crate::config::parse_bytes;
use crate::db::ids::UserId;
use crate::db::models::audit::{self, AuditFilter, AuditRow};
use crate::db::models::sessions;
use crate::db::models::users::{self, Role, User, UserSort, UserState};
use crate::db::{self, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::settings::{self, Change};
use crate::state::AppState;
use crate::users::RegisterInput;
use crate::users::admin::{self as accounts, UserChanges};
use crate::web::{
    Nav, PageAdmin, PageError, admins_only, check_csrf, display_time, html, human_bytes, redirect,
    removed_session_cookie,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(from_fn(admins_only))
            .route("", web::get().to(dashboard))
            .route("/settings", web::post().to(save_settings))
            .route("/users", web::get().to(user_list))
            .route("/users/new", web::get().to(new_user_page))
            .route("/users/new", web::post().to(create_user))
            .route("/users/{id}", web::get().to(user_page))
            .route("/users/{id}/state", web::post().to(set_state))
            .route("/users/{id}/role", web::post().to(set_role))
            .route("/users/{id}/quota", web::post().to(set_quota))
            .route("/users/{id}/logout", web::post().to(force_logout))
            .route("/users/{id}/password", web::post().to(reset_password))
            .route("/users/{id}/delete", web::post().to(delete_user))
            .route("/audit", web::get().to(audit_log)),
    );
}

/// The message a `?notice=` code stands for (codes, not text, so the URL cannot inject words).
fn notice_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "settings" => "Settings saved. They apply from now on.",
        "created" => "Account created.",
        "disabled" => "Account disabled. Its sessions stopped working.",
        "enabled" => "Account enabled.",
        "promoted" => "Now an administrator. The admin pages open at their next login.",
        "demoted" => "No longer an administrator.",
        "quota" => "Quota saved.",
        "logged_out" => "Every session of this account was ended.",
        "password" => "Password reset. Every session of this account was ended.",
        "deleted" => "Account deleted, with all its files.",
        _ => return None,
    })
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

const SIZE_HINT: &str = "must be a size such as 2GiB, 500MiB or a number of bytes";

/// `2GiB`, `500MiB` or bytes, as bytes.
fn parse_size(field: &'static str, raw: &str) -> Result<u64, AppError> {
    parse_bytes(raw)
        .filter(|b| i64::try_from(*b).is_ok())
        .ok_or_else(|| AppError::Validation(FieldErrors::single(field, SIZE_HINT)))
}

/// A size as a form value [`parse_size`] reads back exactly: `2GiB`, `1536KiB`, `1000`.
fn size_input(bytes: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

fn human_u64(bytes: u64) -> String {
    human_bytes(i64::try_from(bytes).unwrap_or(i64::MAX))
}

/// Adds the field errors of `e` to `errors`; any other error is returned.
fn gather(errors: &mut FieldErrors, e: AppError) -> Result<(), AppError> {
    match e {
        AppError::Validation(found) => {
            for (field, messages) in found.0 {
                messages.into_iter().for_each(|m| errors.add(field, m));
            }
            Ok(())
        }
        other => Err(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Dashboard and settings

/// What the settings form shows: the values in effect, or what was typed.
struct SettingsInput {
    registration: String,
    default_quota: String,
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
    input: SettingsInput,
    errors: FieldErrors,
}

fn source(stored: bool) -> &'static str {
    if stored { "set by an administrator" } else { "from the environment" }
}

async fn render_dashboard(
    state: &web::Data<AppState>,
    me: &CurrentUser,
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
    let unknown = || "unknown".to_owned();
    let page = DashboardPage {
        nav: Nav::user(state, me),
        section: "dashboard",
        notice,
        users: stats.users,
        live_sessions: stats.live_sessions,
        storage_used: human_bytes(stats.storage_used),
        disk_free: stats.disk_free.map_or_else(unknown, human_u64),
        disk_total: stats.disk_total.map_or_else(unknown, human_u64),
        registration: s.registration.as_str(),
        registration_source: source(s.registration_stored),
        default_quota: human_u64(s.default_quota),
        default_quota_source: source(s.default_quota_stored),
        input: typed.unwrap_or_else(|| SettingsInput {
            registration: s.registration.as_str().to_owned(),
            default_quota: size_input(s.default_quota),
        }),
        errors,
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /admin`: figures, the settings in effect and the form to change them.
async fn dashboard(
    state: web::Data<AppState>,
    admin: PageAdmin,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = notice_text(q.notice.as_deref());
    render_dashboard(&state, &admin.0, StatusCode::OK, None, FieldErrors::default(), notice).await
}

#[derive(Deserialize)]
struct SettingsForm {
    registration: Option<String>,
    default_quota: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/settings` (`registration=open|closed`, `default_quota=10GiB`): at once.
async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    check_csrf(&state, &me, form.csrf_token.as_deref())?;
    let form = form.into_inner();
    let input = SettingsInput {
        registration: form.registration.unwrap_or_default(),
        default_quota: form.default_quota.unwrap_or_default(),
    };
    let quota = match input.default_quota.trim() {
        "" => Ok(None),
        raw => parse_size("default_quota", raw).map(Some),
    };
    let result = match quota {
        Err(e) => Err(e),
        Ok(default_quota) => {
            let registration = Some(input.registration.clone()).filter(|r| !r.trim().is_empty());
            let change = Change { registration, default_quota };
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
            render_dashboard(&state, &me, StatusCode::BAD_REQUEST, Some(input), errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The account list

struct UserRow {
    id: String,
    username: String,
    email: String,
    phone: String,
    role: &'static str,
    state: &'static str,
    disabled: bool,
    storage: String,
    created: String,
    last_login: String,
    is_me: bool,
}

/// A column heading, with its sort link when the list can be sorted by it.
struct Column {
    label: &'static str,
    url: Option<String>,
    /// `ascending` or `descending` on the column the list is sorted by, else empty.
    aria_sort: &'static str,
}

/// A link in the pager; no `url`: a gap (`…`).
struct PageLink {
    label: String,
    url: Option<String>,
    current: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    nav: Nav,
    section: &'static str,
    notice: Option<&'static str>,
    q: String,
    sort: &'static str,
    order: &'static str,
    per_page: Option<i64>,
    columns: Vec<Column>,
    rows: Vec<UserRow>,
    total: i64,
    page: i64,
    pages: i64,
    links: Vec<PageLink>,
    prev: Option<String>,
    next: Option<String>,
}

fn sort_name(sort: UserSort) -> &'static str {
    match sort {
        UserSort::Username => "username",
        UserSort::Created => "created",
        UserSort::LastLogin => "last_login",
        UserSort::StorageUsed => "storage",
    }
}

/// The list's URL for this search, order and page.
fn list_url(q: &str, sort: &str, order: &str, page: i64, per_page: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        s.append_pair("q", q);
    }
    s.append_pair("sort", sort).append_pair("order", order);
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    if let Some(n) = per_page {
        s.append_pair("per_page", &n.to_string());
    }
    format!("/admin/users?{}", s.finish())
}

/// Pages 1, the last, and two either side of `page`, with gaps between.
fn page_links(page: i64, pages: i64, url: impl Fn(i64) -> String) -> Vec<PageLink> {
    let mut links = Vec::new();
    let mut last = 0;
    for n in (1..=pages).filter(|n| *n == 1 || *n == pages || (n - page).abs() <= 2) {
        if n > last + 1 {
            links.push(PageLink { label: "…".into(), url: None, current: false });
        }
        links.push(PageLink { label: n.to_string(), url: Some(url(n)), current: n == page });
        last = n;
    }
    links
}

fn user_row(me: &CurrentUser, u: &User) -> UserRow {
    UserRow {
        id: u.id.to_string(),
        username: u.username.clone(),
        email: u.email.clone().unwrap_or_default(),
        phone: u.phone.clone().unwrap_or_default(),
        role: u.role().as_str(),
        state: u.state().as_str(),
        disabled: u.state() == UserState::Disabled,
        storage: format!("{} / {}", human_bytes(u.storage_used), human_bytes(u.quota)),
        created: display_time(u.created_at),
        last_login: u.last_login_at.map_or_else(|| "never".to_owned(), display_time),
        is_me: u.id == me.user.id,
    }
}

/// `GET /admin/users?q=&sort=username|created|last_login|storage&order=asc|desc&page=`
async fn user_list(
    state: web::Data<AppState>,
    admin: PageAdmin,
    query: web::Query<UserListQuery>,
    notice: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let (db_query, page, per_page) = query.to_query()?;
    let (sort, order) =
        (sort_name(db_query.sort), if db_query.descending { "desc" } else { "asc" });
    let q = query.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (rows, total) = db::run(&state.db, move |conn| Ok(users::search(conn, &db_query)?)).await?;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let keep = query.per_page.map(|_| per_page);
    let url = |p: i64| list_url(&q, sort, order, p, keep);
    let columns = [
        ("User name", Some(UserSort::Username)),
        ("Email", None),
        ("Phone", None),
        ("Role", None),
        ("State", None),
        ("Storage used / quota", Some(UserSort::StorageUsed)),
        ("Created", Some(UserSort::Created)),
        ("Last login", Some(UserSort::LastLogin)),
    ]
    .into_iter()
    .map(|(label, by)| {
        let current = by.map(sort_name) == Some(sort);
        let flip = if current && order == "asc" { "desc" } else { "asc" };
        Column {
            label,
            url: by.map(|b| list_url(&q, sort_name(b), flip, 1, keep)),
            aria_sort: match (current, order) {
                (false, _) => "",
                (true, "asc") => "ascending",
                (true, _) => "descending",
            },
        }
    })
    .collect();
    let page_view = UsersPage {
        nav: Nav::user(&state, &me),
        section: "users",
        notice: notice_text(notice.notice.as_deref()),
        columns,
        rows: rows.iter().map(|u| user_row(&me, u)).collect(),
        total,
        page,
        pages,
        links: page_links(page, pages, url),
        prev: (page > 1).then(|| url(page - 1)),
        next: (page < pages).then(|| url(page + 1)),
        per_page: keep,
        sort,
        order,
        q,
    };
    html(HttpResponse::Ok(), &page_view)
}

// ---------------------------------------------------------------------------------------------
// Creating an account

/// What the new-account form shows again after an error (never the password).
#[derive(Default)]
struct NewUserInput {
    username: String,
    email: String,
    phone: String,
    role: String,
    quota: String,
}

#[derive(Template)]
#[template(path = "admin/new_user.html")]
struct NewUserPage {
    nav: Nav,
    section: &'static str,
    input: NewUserInput,
    errors: FieldErrors,
    default_quota: String,
}

async fn render_new_user(
    state: &web::Data<AppState>,
    me: &CurrentUser,
    status: StatusCode,
    input: NewUserInput,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let s = db::run(&state.db, move |conn| settings::current(conn, &st.config)).await?;
    let page = NewUserPage {
        nav: Nav::user(state, me),
        section: "user",
        input,
        errors,
        default_quota: size_input(s.default_quota),
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /admin/users/new`
async fn new_user_page(
    state: web::Data<AppState>,
    admin: PageAdmin,
) -> Result<HttpResponse, PageError> {
    let input = NewUserInput { role: "user".into(), ..NewUserInput::default() };
    render_new_user(&state, &admin.0, StatusCode::OK, input, FieldErrors::default()).await
}

#[derive(Deserialize)]
struct NewUserForm {
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
    role: Option<String>,
    quota: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/new`: registration rules, whatever the registration setting; an empty
/// quota means the instance default.
async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    check_csrf(&state, &me, form.csrf_token.as_deref())?;
    let f = form.into_inner();
    let password = f.password.unwrap_or_default();
    let input = NewUserInput {
        username: f.username.unwrap_or_default(),
        email: f.email.unwrap_or_default(),
        phone: f.phone.unwrap_or_default(),
        role: f.role.unwrap_or_else(|| "user".into()),
        quota: f.quota.unwrap_or_default(),
    };
    let mut errors = FieldErrors::default();
    if f.password_confirm.as_deref() != Some(password.as_str()) {
        errors.add("password_confirm", "does not match the password");
    }
    let role =
        parse_role(input.role.trim()).or_else(|e| gather(&mut errors, e).map(|()| Role::User))?;
    let quota = match input.quota.trim() {
        "" => None,
        raw => {
            parse_size("quota", raw).map(Some).or_else(|e| gather(&mut errors, e).map(|()| None))?
        }
    };
    let account = RegisterInput {
        username: input.username.clone(),
        password,
        email: Some(input.email.clone()),
        phone: Some(input.phone.clone()),
    };
    if !errors.is_empty() {
        // Show the account's own problems too, not only on the next try.
        if let Err(e) = crate::users::validate_registration(&account) {
            gather(&mut errors, e)?;
        }
        return render_new_user(&state, &me, StatusCode::BAD_REQUEST, input, errors).await;
    }
    let st = state.clone().into_inner();
    match accounts::create_user(st, me.user.clone(), account, role, quota, origin(&req)).await {
        Ok(user) => Ok(redirect(&format!("/admin/users/{}?notice=created", user.id)).finish()),
        Err(AppError::Validation(errors)) => {
            render_new_user(&state, &me, StatusCode::BAD_REQUEST, input, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One account and its actions

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
    sessions: usize,
    is_me: bool,
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
    id: &str,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let id = UserId(id.to_owned());
    let (u, live) = db::run(&state.db, move |conn| {
        let u = users::find(conn, &id)?;
        let live = sessions::list_live(conn, &u.id, Utc::now().naive_utc())?.len();
        Ok((u, live))
    })
    .await?;
    let page = UserPage {
        nav: Nav::user(state, me),
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
        role: u.role().as_str(),
        is_admin: u.role() == Role::Admin,
        state: u.state().as_str(),
        active: u.state() == UserState::Active,
        storage_used: human_bytes(u.storage_used),
        quota: human_bytes(u.quota),
        created: display_time(u.created_at),
        last_login: u.last_login_at.map_or_else(|| "never".to_owned(), display_time),
        sessions: live,
        is_me: u.id == me.user.id,
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /admin/users/{id}`
async fn user_page(
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let shown = Shown { notice: notice_text(q.notice.as_deref()), ..Shown::default() };
    render_user(&state, &admin.0, &id, StatusCode::OK, shown).await
}

/// `message` as a sentence: capital first letter, final full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut s: String =
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// A refused action, shown on the account's page: field errors (400) next to their field, a
/// conflict such as removing the last administrator (409) at the top; anything else is the
/// error page.
async fn refused(
    state: &web::Data<AppState>,
    me: &CurrentUser,
    id: &str,
    e: AppError,
    typed_quota: Option<String>,
) -> Result<HttpResponse, PageError> {
    let status = e.code_and_status().1;
    let shown = match e {
        AppError::Validation(errors) => Shown { errors, quota: typed_quota, ..Shown::default() },
        AppError::Conflict(message) => {
            Shown { error: Some(sentence(&message)), ..Shown::default() }
        }
        other => return Err(other.into()),
    };
    render_user(state, me, id, status, shown).await
}

/// What an action did, for the redirect after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Done {
    Disabled,
    Enabled,
    Promoted,
    Demoted,
    Quota,
    LoggedOut,
    Password,
    Deleted,
}

impl Done {
    fn code(self) -> &'static str {
        match self {
            Done::Disabled => "disabled",
            Done::Enabled => "enabled",
            Done::Promoted => "promoted",
            Done::Demoted => "demoted",
            Done::Quota => "quota",
            Done::LoggedOut => "logged_out",
            Done::Password => "password",
            Done::Deleted => "deleted",
        }
    }
}

/// Where to go after an action on `target`: back to its page (the list after a delete). An
/// administrator acting on their own account may have just ended this session or given up the
/// admin pages; then they leave the admin area.
fn after(me: &CurrentUser, target: &UserId, done: Done) -> HttpResponse {
    let leave = |notice: &str| {
        redirect(&format!("/login?notice={notice}")).cookie(removed_session_cookie()).finish()
    };
    if *target == me.user.id {
        match done {
            Done::Disabled => return leave("disabled"),
            Done::LoggedOut | Done::Deleted => return leave("ended"),
            Done::Password => return leave("password_changed"),
            Done::Demoted => return redirect("/files").finish(),
            _ => {}
        }
    }
    if done == Done::Deleted {
        return redirect("/admin/users?notice=deleted").finish();
    }
    redirect(&format!("/admin/users/{target}?notice={}", done.code())).finish()
}

/// Applies `changes` to account `id`, then [`after`]; or shows why not on its page.
async fn change(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    me: &CurrentUser,
    id: &str,
    changes: Result<UserChanges, AppError>,
    done: Done,
    typed_quota: Option<String>,
) -> Result<HttpResponse, PageError> {
    let changes = match changes {
        Ok(c) => c,
        Err(e) => return refused(state, me, id, e, typed_quota).await,
    };
    let (admin, target, from) = (me.user.clone(), UserId(id.to_owned()), origin(req));
    let result = db::run(&state.db, move |conn| {
        accounts::update_user(conn, &admin, &target, &changes, &from, Utc::now().naive_utc())
    })
    .await;
    match result {
        Ok(user) => Ok(after(me, &user.id, done)),
        Err(e) => refused(state, me, id, e, typed_quota).await,
    }
}

#[derive(Deserialize)]
struct StateForm {
    state: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/state` (`state=active|disabled`)
async fn set_state(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    form: web::Form<StateForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &admin.0, form.csrf_token.as_deref())?;
    let new = parse_state(form.state.as_deref().unwrap_or_default().trim());
    let done = if matches!(new, Ok(UserState::Disabled)) { Done::Disabled } else { Done::Enabled };
    let changes = new.map(|s| UserChanges { state: Some(s), ..UserChanges::default() });
    change(&req, &state, &admin.0, &id, changes, done, None).await
}

#[derive(Deserialize)]
struct RoleForm {
    role: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/role` (`role=user|admin`)
async fn set_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &admin.0, form.csrf_token.as_deref())?;
    let new = parse_role(form.role.as_deref().unwrap_or_default().trim());
    let done = if matches!(new, Ok(Role::Admin)) { Done::Promoted } else { Done::Demoted };
    let changes = new.map(|r| UserChanges { role: Some(r), ..UserChanges::default() });
    change(&req, &state, &admin.0, &id, changes, done, None).await
}

#[derive(Deserialize)]
struct QuotaForm {
    quota: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/quota` (`quota=2GiB`, `500MiB` or bytes)
async fn set_quota(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    form: web::Form<QuotaForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &admin.0, form.csrf_token.as_deref())?;
    let typed = form.into_inner().quota.unwrap_or_default();
    let changes = parse_size("quota", &typed)
        .map(|q| UserChanges { quota: i64::try_from(q).ok(), ..UserChanges::default() });
    change(&req, &state, &admin.0, &id, changes, Done::Quota, Some(typed)).await
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/logout`: ends every session of the account.
async fn force_logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    check_csrf(&state, &me, form.csrf_token.as_deref())?;
    let (who, target, from) = (me.user.clone(), UserId(id.into_inner()), origin(&req));
    let t = target.clone();
    db::run(&state.db, move |conn| {
        accounts::end_sessions(conn, &who, &t, &from, Utc::now().naive_utc())
    })
    .await?;
    Ok(after(&me, &target, Done::LoggedOut))
}

#[derive(Deserialize)]
struct PasswordForm {
    new_password: Option<String>,
    new_password_confirm: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /admin/users/{id}/password`: a new password; every session of the account ends.
async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    check_csrf(&state, &me, form.csrf_token.as_deref())?;
    let form = form.into_inner();
    let new = form.new_password.unwrap_or_default();
    let target = UserId(id.into_inner());
    let result = if form.new_password_confirm.as_deref() != Some(new.as_str()) {
        Err(AppError::Validation(FieldErrors::single(
            "new_password_confirm",
            "does not match the new password",
        )))
    } else {
        let st = state.clone().into_inner();
        accounts::reset_password(st, me.user.clone(), target.clone(), new, origin(&req)).await
    };
    match result {
        Ok(()) => Ok(after(&me, &target, Done::Password)),
        Err(e) => refused(&state, &me, target.as_str(), e, None).await,
    }
}

#[derive(Template)]
#[template(path = "admin/confirm_delete.html")]
struct ConfirmDeletePage {
    nav: Nav,
    section: &'static str,
    id: String,
    username: String,
    files: usize,
    size: String,
    bytes: i64,
    is_me: bool,
}

#[derive(Deserialize)]
struct DeleteForm {
    csrf_token: Option<String>,
    confirmed: Option<String>,
}

/// `POST /admin/users/{id}/delete`: first a page naming what will be lost; with
/// `confirmed=yes`, the account goes with its files, folders and sessions.
async fn delete_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
    id: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    check_csrf(&state, &me, form.csrf_token.as_deref())?;
    let target = UserId(id.into_inner());
    if form.confirmed.as_deref() != Some("yes") {
        let t = target.clone();
        let (u, lost) = db::run(&state.db, move |conn| {
            let u = users::find(conn, &t)?;
            let lost = accounts::deletion_preview(conn, &u.id)?;
            Ok((u, lost))
        })
        .await?;
        let page = ConfirmDeletePage {
            nav: Nav::user(&state, &me),
            section: "user",
            id: u.id.to_string(),
            is_me: u.id == me.user.id,
            username: u.username,
            files: lost.files,
            size: human_bytes(lost.bytes),
            bytes: lost.bytes,
        };
        return html(HttpResponse::Ok(), &page);
    }
    let (st, who, t, from) = (state.clone(), me.user.clone(), target.clone(), origin(&req));
    let result = db::run(&state.db, move |conn| {
        let now = Utc::now().naive_utc();
        accounts::delete_user(conn, st.storage.as_ref(), &st.thumbs, &who, &t, &from, now)
    })
    .await;
    match result {
        Ok(_) => Ok(after(&me, &target, Done::Deleted)),
        Err(e) => refused(&state, &me, target.as_str(), e, None).await,
    }
}

// ---------------------------------------------------------------------------------------------
// The audit log

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

fn audit_line(r: AuditRow) -> AuditLine {
    AuditLine {
        at: display_time(r.at),
        at_iso: rfc3339(r.at),
        event: Event::parse(&r.event).map_or(r.event.clone(), |e| e.label().to_owned()),
        actor: who(r.actor_id, r.actor_name),
        target: who(r.target_id, r.target_name),
        login: r.login.unwrap_or_default(),
        ip: r.ip.unwrap_or_default(),
        user_agent: r.user_agent.unwrap_or_default(),
        detail: r.detail.unwrap_or_default(),
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
async fn audit_log(
    state: web::Data<AppState>,
    admin: PageAdmin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
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
        nav: Nav::user(&state, &admin.0),
        section: "audit",
        events: Event::ALL
            .iter()
            .map(|e| EventChoice {
                value: e.as_str(),
                label: e.label(),
                selected: e.as_str() == event,
            })
            .collect(),
        newer: newer.map(|b| audit_url(event, &user, &q, b, keep)),
        older,
        rows: rows.into_iter().take(page_size).map(audit_line).collect(),
        user,
        q,
    };
    html(HttpResponse::Ok(), &page)
}

/// The event kind filtered on, by its stored name (`""`: all).
fn filter_event(query: &AuditQuery) -> &'static str {
    query.event.as_deref().map(str::trim).and_then(Event::parse).map_or("", Event::as_str)
}
