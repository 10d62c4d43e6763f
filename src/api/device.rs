//! `/api/v1/auth/device*`: device login for apps (RFC 8628; see `auth::device_flow`).

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::api::views::TokenView;
use crate::auth::device_flow;
use crate::db;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::origin;
use crate::http::site::base_url;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/auth/device").post(request))
        .service(Endpoint::at("/auth/device/token").post(token));
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RequestBody {
    client_name: Option<String>,
}

/// The answer to a device login request (field names per RFC 8628, 3.2).
#[derive(Serialize, utoipa::ToSchema)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    interval: i32,
    expires_in: i64,
}

/// `POST /api/v1/auth/device`: `{client_name}` → the codes; the app shows `user_code` and
/// `verification_uri`, then polls `/auth/device/token` with `device_code`.
#[utoipa::path(post, path = "/api/v1/auth/device", tag = "auth", security(()), request_body = RequestBody, responses((status = 200, description = "The codes to show and poll with (RFC 8628)", body = DeviceAuthorization)))]
async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RequestBody>,
) -> Result<HttpResponse, AppError> {
    let from = origin(&req);
    // Unauthenticated and writing a row: the login limit per IP guards it.
    state.login_limiter.check_ip(from.ip.as_deref().unwrap_or("unknown")).await?;
    let name = device_flow::validate_client_name(body.client_name.as_deref())?;
    let now = Utc::now().naive_utc();
    let issued =
        db::run(&state.db, move |conn| device_flow::request(conn, &name, &from, now)).await?;
    let verification_uri = format!("{}/device", base_url(&req, &state.config));
    Ok(HttpResponse::Ok().json(DeviceAuthorization {
        verification_uri_complete: format!("{verification_uri}?code={}", issued.user_code),
        verification_uri,
        device_code: issued.device_code,
        user_code: issued.user_code,
        interval: issued.interval,
        expires_in: issued.expires_in,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TokenBody {
    #[schema(required = true)]
    device_code: Option<String>,
}

/// `POST /api/v1/auth/device/token`: `{device_code}` → 400 `authorization_pending`,
/// `slow_down`, `expired_token`, `access_denied` or `invalid_grant` (unknown or used code),
/// or, once approved, the login answer of a new `app` session (once).
#[utoipa::path(post, path = "/api/v1/auth/device/token", tag = "auth", security(()), request_body = TokenBody, responses((status = 200, description = "Approved: the login answer of a new `app` session; until then 400 `authorization_pending`, `slow_down`, `expired_token`, `access_denied` or `invalid_grant`", body = TokenView)))]
async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, AppError> {
    let device_code = match body.into_inner().device_code {
        Some(c) if !c.is_empty() => c,
        _ => return Err(AppError::Validation(FieldErrors::single("device_code", "is required"))),
    };
    // Ours are 43 characters; anything much longer is not one, and is not hashed.
    if device_code.len() > 128 {
        return Err(AppError::InvalidGrant);
    }
    let (from, now, st) = (origin(&req), Utc::now().naive_utc(), state.clone());
    let started = db::run(&state.db, move |conn| {
        device_flow::poll(conn, &st.keys, &st.config, &device_code, &from, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TokenView::new(started)))
}
