//! The account list (`GET /admin/users`: search, sort, pages) and the new-account form
//! (`GET|POST /admin/users/new`, through `users::admin::create_user`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{
    NoticeQuery, gather, human_size, notice_text, parse_size, role_name, size_input, state_name,
};
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::models::users::{self, Role, User, UserSort, UserState};
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{CurrentUser, origin};
use crate::settings;
use crate::state::AppState;
use crate::users::RegisterInput;
use crate::users::admin as accounts;
use crate::users::admin::UserListQuery;
use crate::web::{CsrfForm, Locale, Nav, PageAdmin, PageError, display_time, html, redirect};

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
    /// RFC 3339 for `<time datetime>` (empty when never logged in).
    created_iso: String,
    last_login_iso: String,
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

fn user_row(loc: &Locale, me: &CurrentUser, u: &User) -> UserRow {
    let ta = loc.lang.admin();
    UserRow {
        id: u.id.to_string(),
        username: u.username.clone(),
        email: u.email.clone().unwrap_or_default(),
        phone: u.phone.clone().unwrap_or_default(),
        role: role_name(ta, u.role()),
        state: state_name(ta, u.state()),
        disabled: u.state() == UserState::Disabled,
        storage: format!(
            "{} / {}",
            human_size(loc.lang, u.storage_used),
            human_size(loc.lang, u.quota)
        ),
        created: display_time(u.created_at),
        last_login: u.last_login_at.map_or_else(|| ta.never.to_owned(), display_time),
        created_iso: rfc3339(u.created_at),
        last_login_iso: u.last_login_at.map(rfc3339).unwrap_or_default(),
        is_me: u.id == me.user.id,
    }
}

/// `GET /admin/users?q=&sort=username|created|last_login|storage&order=asc|desc&page=`
pub(super) async fn user_list(
    state: web::Data<AppState>,
    admin: PageAdmin,
    loc: Locale,
    query: web::Query<UserListQuery>,
    notice: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let ta = loc.lang.admin();
    let (db_query, page, per_page) = query.to_query()?;
    let (sort, order) =
        (sort_name(db_query.sort), if db_query.descending { "desc" } else { "asc" });
    let q = query.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (rows, total) = db::run(&state.db, move |conn| Ok(users::search(conn, &db_query)?)).await?;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let keep = query.per_page.map(|_| per_page);
    let url = |p: i64| list_url(&q, sort, order, p, keep);
    let columns = [
        (ta.user_name, Some(UserSort::Username)),
        (ta.email, None),
        (ta.phone, None),
        (ta.role, None),
        (ta.state, None),
        (ta.storage_of_quota, Some(UserSort::StorageUsed)),
        (ta.created, Some(UserSort::Created)),
        (ta.last_login, Some(UserSort::LastLogin)),
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
        nav: Nav::user(&state, &me, &loc),
        section: "users",
        notice: notice_text(ta, notice.notice.as_deref()),
        columns,
        rows: rows.iter().map(|u| user_row(&loc, &me, u)).collect(),
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
    loc: &Locale,
    status: StatusCode,
    input: NewUserInput,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let s = db::run(&state.db, move |conn| settings::current(conn, &st.config)).await?;
    let page = NewUserPage {
        nav: Nav::user(state, me, loc),
        section: "user",
        input,
        errors,
        default_quota: size_input(s.default_quota),
    };
    html(HttpResponse::build(status), &page)
}

/// `GET /admin/users/new`
pub(super) async fn new_user_page(
    state: web::Data<AppState>,
    admin: PageAdmin,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let input = NewUserInput { role: "user".into(), ..NewUserInput::default() };
    render_new_user(&state, &admin.0, &loc, StatusCode::OK, input, FieldErrors::default()).await
}

#[derive(Deserialize)]
pub(super) struct NewUserForm {
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
pub(super) async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: admin, form }: CsrfForm<PageAdmin, NewUserForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let me = admin.0;
    let f = form;
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
        Role::parse(input.role.trim()).or_else(|e| gather(&mut errors, e).map(|()| Role::User))?;
    let quota = match input.quota.trim() {
        "" => None,
        raw => parse_size(loc.lang.admin(), "quota", raw)
            .map(Some)
            .or_else(|e| gather(&mut errors, e).map(|()| None))?,
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
        return render_new_user(&state, &me, &loc, StatusCode::BAD_REQUEST, input, errors).await;
    }
    let st = state.clone().into_inner();
    match accounts::create_user(&st.accounts(), me.user.clone(), account, role, quota, origin(&req))
        .await
    {
        Ok(user) => Ok(redirect(&format!("/admin/users/{}?notice=created", user.id)).finish()),
        Err(AppError::Validation(errors)) => {
            render_new_user(&state, &me, &loc, StatusCode::BAD_REQUEST, input, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

crate::csrf_protected!(NewUserForm);
