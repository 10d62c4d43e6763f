//! `/api/v1/auth/*`: register, login, refresh, logout, logout everywhere.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::api::views::TokenView;
use crate::auth::sessions::{self as auth_sessions, EndReason};
use crate::auth::tokens::ClientKind;
use crate::db;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{AccountHolder, CurrentUser, origin};
use crate::http::cookies;
use crate::state::AppState;
use crate::users::{self, LoginInput, RegisterInput};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/auth/register").post(register))
        .service(Endpoint::at("/auth/login").post(login))
        .service(Endpoint::at("/auth/logout").post(logout))
        .service(Endpoint::at("/auth/logout-all").post(logout_all))
        .service(Endpoint::at("/auth/refresh").post(refresh));
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    #[schema(required = true)]
    username: Option<String>,
    #[schema(required = true)]
    password: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    client: Option<String>,
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: Option<String>,
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[schema(required = true)]
    password: Option<String>,
    client: Option<String>,
    scope: Option<String>,
}

fn client(raw: Option<&str>, errors: &mut FieldErrors) -> ClientKind {
    match raw {
        None => ClientKind::Api,
        Some(c) => ClientKind::parse(c).unwrap_or_else(|| {
            errors.add("client", "must be one of web, app, api");
            ClientKind::Api
        }),
    }
}

fn required(value: Option<String>, field: &'static str, errors: &mut FieldErrors) -> String {
    match value {
        Some(v) if !v.is_empty() => v,
        _ => {
            errors.add(field, "is required");
            String::new()
        }
    }
}

/// `POST /api/v1/auth/register`: create an account and log it in (201).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", security(()), request_body = RegisterBody, responses((status = 201, description = "The account, logged in", body = TokenView)))]
async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let client = client(body.client.as_deref(), &mut errors);
    let input = RegisterInput {
        username: required(body.username, "username", &mut errors),
        password: required(body.password, "password", &mut errors),
        email: body.email,
        phone: body.phone,
    };
    errors.into_result()?;
    let started = users::register(&state.accounts(), input, client, origin(&req)).await?;
    Ok(HttpResponse::Created().json(TokenView::new(started)))
}

/// `POST /api/v1/auth/login`: `login` (or `username`/`email`/`phone`) and `password` → token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginBody, responses((status = 200, description = "Logged in; 401 `invalid_credentials` or `mfa_required` (then finish at `/api/v1/auth/login/mfa`)", body = TokenView)))]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let client = client(body.client.as_deref(), &mut errors);
    let login = [body.login, body.username, body.email, body.phone]
        .into_iter()
        .flatten()
        .find(|v| !v.trim().is_empty());
    let input = LoginInput {
        login: required(login, "login", &mut errors),
        password: required(body.password, "password", &mut errors),
        client,
        scope: body.scope,
        device: cookies::device_sent(&req),
        // A persistent cookie is the login page's choice; API clients renew with a refresh
        // token instead.
        keep: false,
    };
    errors.into_result()?;
    let started = users::login(&state.accounts(), input, origin(&req)).await?;
    let mut resp = HttpResponse::Ok();
    if let Some(c) = cookies::device_after_login(&req, &state.keys, &state.config, &started.user.id)
    {
        resp.cookie(c);
    }
    Ok(resp.json(TokenView::new(started)))
}

/// `POST /api/v1/auth/logout`: end this session (204).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "This session has ended")))]
async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (now, from) = (Utc::now().naive_utc(), origin(&req));
    db::run(&state.db, move |conn| {
        auth_sessions::end(conn, &me.user, &me.session.id, EndReason::Logout, &from, now)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/auth/logout-all`: end every session of this user, this one included (204).
/// App passwords stay (revoke them one by one).
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", responses((status = 204, description = "Every session of the account has ended")))]
async fn logout_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
) -> Result<HttpResponse, AppError> {
    let (now, from) = (Utc::now().naive_utc(), origin(&req));
    db::run(&state.db, move |conn| {
        auth_sessions::end_all(conn, &me.user, &from, now)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    refresh_token: Option<String>,
}

/// `POST /api/v1/auth/refresh`: a refresh token → a new access token and refresh token (the
/// old one is spent; presenting it again ends the session). See `auth::refresh`.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", security(()), request_body = RefreshBody, responses((status = 200, description = "A new access token and refresh token; the presented one is spent (401 `refresh_token_reused` when it was already, and the session ends)", body = TokenView)))]
async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let presented = required(body.into_inner().refresh_token, "refresh_token", &mut errors);
    errors.into_result()?;
    let (now, from, st) = (Utc::now().naive_utc(), origin(&req), state.clone());
    let started = db::run(&state.db, move |conn| {
        crate::auth::refresh::rotate(conn, &st.keys, &st.config, &presented, &from, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TokenView::new(started)))
}
