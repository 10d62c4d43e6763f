//! `/register` and `/setup`: self-service registration, and the first run.
//!
//! On an instance without accounts `/` leads to `/setup`, "Create the administrator": the
//! registration form and flow (the same CSRF check, validation, per-IP limit and
//! `users::register`, which makes the first account the administrator), plus a choice whether
//! others may go on registering themselves. Once any account exists the page is gone: `GET`
//! goes to `/login`, `POST` answers 404.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::tokens::ClientKind;
use crate::db;
use crate::db::models::users::Role;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::origin;
use crate::settings::{self, Change};
use crate::state::AppState;
use crate::users::{self, RegisterInput};
use crate::web::auth::{logged_in, registration_open, start_browser_session};
use crate::web::{Locale, Nav, PageError, anon_binding, html, redirect};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register_page))
        .route("/register", web::post().to(register_submit))
        .route("/setup", web::get().to(setup_page))
        .route("/setup", web::post().to(setup_submit));
}

/// Which form: anyone's registration, or the first run's administrator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Register,
    Setup,
}

#[derive(Template)]
#[template(path = "auth/register.html")]
struct RegisterPage {
    nav: Nav,
    username: String,
    email: String,
    phone: String,
    errors: FieldErrors,
    error: Option<String>,
    open: bool,
    /// The first-run form (`/setup`): another title and action, and the registration choice.
    setup: bool,
    /// The "others may register" box: ticked when registration is open now.
    keep_open: bool,
}

/// Whether the instance has no account yet (the first run).
pub(super) async fn no_accounts(state: &AppState) -> Result<bool, AppError> {
    db::run(&state.db, |conn| Ok::<_, AppError>(db::models::users::count(conn)? == 0)).await
}

/// `GET /register`
async fn register_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    form_page(&req, &state, Flow::Register).await
}

/// `GET /setup`: the administrator's form on an empty instance, else on to `/login`.
async fn setup_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    if !no_accounts(&state).await? {
        return Ok(redirect("/login").finish());
    }
    form_page(&req, &state, Flow::Setup).await
}

async fn form_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    flow: Flow,
) -> Result<HttpResponse, PageError> {
    if logged_in(req, state).await {
        return Ok(redirect("/files").finish());
    }
    let (binding, cookie) = anon_binding(req, &state.config);
    let open = registration_open(state).await;
    let page = RegisterPage {
        nav: Nav::anonymous(state, &binding, &Locale::of(req)),
        username: String::new(),
        email: String::new(),
        phone: String::new(),
        errors: FieldErrors::default(),
        error: None,
        open,
        setup: flow == Flow::Setup,
        keep_open: open,
    };
    let mut b = HttpResponse::Ok();
    if let Some(c) = cookie {
        b.cookie(c);
    }
    html(b, &page)
}

#[derive(Deserialize)]
struct RegisterForm {
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
    csrf_token: Option<String>,
    /// `/setup` only: present (a ticked box) when others may go on registering.
    keep_open: Option<String>,
}

/// `POST /register`
async fn register_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    submit(req, state, form.into_inner(), Flow::Register).await
}

/// `POST /setup`: registers the first account (404 once any account exists).
async fn setup_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    if !no_accounts(&state).await? {
        return Err(AppError::NotFound.into());
    }
    submit(req, state, form.into_inner(), Flow::Setup).await
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: RegisterForm,
    flow: Flow,
) -> Result<HttpResponse, PageError> {
    let (binding, new_cookie) = anon_binding(&req, &state.config);
    let csrf_ok = new_cookie.is_none()
        && form.csrf_token.as_deref().is_some_and(|t| csrf::verify(&state.keys, &binding, t));
    let password = form.password.unwrap_or_default();
    let keep_open = form.keep_open.is_some();
    let input = RegisterInput {
        username: form.username.unwrap_or_default(),
        password: password.clone(),
        email: form.email,
        phone: form.phone,
    };

    let error = if !csrf_ok {
        AppError::CsrfFailed
    } else if form.password_confirm.as_deref() != Some(password.as_str()) {
        AppError::Validation(FieldErrors::single("password_confirm", "does not match the password"))
    } else {
        match users::register(&state.accounts(), input.clone(), ClientKind::Web, origin(&req)).await
        {
            Ok(started) => {
                // Two first-run forms sent at once: the later one is an ordinary account
                // (registration was open for it anyway) and may not change settings.
                if flow == Flow::Setup && !keep_open && started.user.role() == Role::Admin {
                    close_registration(&req, &state, started.user.clone()).await?;
                }
                return Ok(start_browser_session(&req, &state, started, "/files"));
            }
            Err(
                e @ (AppError::Validation(_)
                | AppError::RegistrationClosed
                | AppError::RateLimited { .. }),
            ) => e,
            Err(other) => return Err(other.into()),
        }
    };
    let (errors, message) = match &error {
        AppError::Validation(fields) => (fields.clone(), None),
        other => (FieldErrors::default(), Some(other.to_string())),
    };
    let page = RegisterPage {
        nav: Nav::anonymous(&state, &binding, &Locale::of(&req)),
        username: input.username,
        email: input.email.unwrap_or_default(),
        phone: input.phone.unwrap_or_default(),
        errors,
        error: message,
        open: registration_open(&state).await,
        setup: flow == Flow::Setup,
        keep_open,
    };
    let mut b = HttpResponse::build(error.code_and_status().1);
    for h in error.extra_headers() {
        b.insert_header(h);
    }
    if let Some(c) = new_cookie {
        b.cookie(c);
    }
    html(b, &page)
}

/// The new administrator chose to keep registration to themselves: stored as the admin
/// setting (audited as theirs), exactly as if they had closed it on `/admin`.
async fn close_registration(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    admin: crate::db::models::users::User,
) -> Result<(), AppError> {
    let (st, from) = (state.clone(), origin(req));
    let change = Change { registration: Some("closed".into()), ..Change::default() };
    db::run(&state.db, move |conn| {
        settings::update(conn, &st.config, &admin, &change, &from, Utc::now().naive_utc())
    })
    .await?;
    Ok(())
}
