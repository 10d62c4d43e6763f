//! Two-factor login on the API: `/api/v1/me/totp…` (enrol, confirm, recovery codes, turn
//! off), `/api/v1/auth/login/mfa` (the code after the password) and `/api/v1/auth/confirm`
//! (prove it is you again). Managing 2FA takes [`AccountHolder`] (never an app password) and
//! a login or confirmation within ten minutes (`auth::recent`).

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::api::views::TokenView;
use crate::auth::recent;
use crate::db;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{AccountHolder, origin};
use crate::http::cookies;
use crate::state::AppState;
use crate::users::{mfa, totp};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/me/totp").post(enrol).delete(disable))
        .service(Endpoint::at("/me/totp/confirm").post(confirm))
        .service(Endpoint::at("/me/totp/recovery-codes").post(regenerate))
        .service(Endpoint::at("/auth/login/mfa").post(login_mfa))
        .service(Endpoint::at("/auth/confirm").post(confirm_identity));
}

#[derive(Serialize, utoipa::ToSchema)]
struct EnrolView {
    secret: String,
    otpauth_uri: String,
    qr_svg: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RecoveryCodesView {
    recovery_codes: Vec<String>,
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    #[schema(required = true)]
    code: Option<String>,
}

fn required(value: Option<String>, field: &'static str) -> Result<String, AppError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(AppError::Validation(FieldErrors::single(field, "is required"))),
    }
}

fn recently_verified(me: &AccountHolder) -> Result<(), AppError> {
    recent::require(&me.session, Utc::now().naive_utc())
}

/// `POST /api/v1/me/totp`: start (or restart) enrolment → `{secret, otpauth_uri, qr_svg}`.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "account", responses((status = 200, description = "The secret to enter in an authenticator app", body = EnrolView)))]
async fn enrol(
    state: web::Data<AppState>,
    me: AccountHolder,
) -> Result<web::Json<EnrolView>, AppError> {
    recently_verified(&me)?;
    let user = me.user.clone();
    let e = db::run(&state.db, move |conn| totp::enrol(conn, &user)).await?;
    Ok(web::Json(EnrolView { secret: e.secret, otpauth_uri: e.otpauth_uri, qr_svg: e.qr_svg }))
}

/// `POST /api/v1/me/totp/confirm` `{code}`: turn 2FA on → `{recovery_codes}` (shown once).
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "account", request_body = CodeBody, responses((status = 200, description = "Two-factor login is on; the recovery codes, shown once", body = RecoveryCodesView)))]
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
    body: web::Json<CodeBody>,
) -> Result<web::Json<RecoveryCodesView>, AppError> {
    recently_verified(&me)?;
    let code = required(body.into_inner().code, "code")?;
    let (user, from) = (me.user.clone(), origin(&req));
    let codes = db::run(&state.db, move |conn| totp::confirm(conn, &user, &code, &from)).await?;
    Ok(web::Json(RecoveryCodesView { recovery_codes: codes }))
}

/// `POST /api/v1/me/totp/recovery-codes` `{code}`: ten new codes; the old ones stop working.
#[utoipa::path(post, path = "/api/v1/me/totp/recovery-codes", tag = "account", request_body = CodeBody, responses((status = 200, description = "Ten new recovery codes", body = RecoveryCodesView)))]
async fn regenerate(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
    body: web::Json<CodeBody>,
) -> Result<web::Json<RecoveryCodesView>, AppError> {
    recently_verified(&me)?;
    let code = required(body.into_inner().code, "code")?;
    let (user, from) = (me.user.clone(), origin(&req));
    let codes = db::run(&state.db, move |conn| totp::regenerate(conn, &user, &code, &from)).await?;
    Ok(web::Json(RecoveryCodesView { recovery_codes: codes }))
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DisableBody {
    #[schema(required = true)]
    password: Option<String>,
    #[schema(required = true)]
    code: Option<String>,
}

/// `DELETE /api/v1/me/totp` `{password, code}`: turn 2FA off (204).
#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "account", request_body = DisableBody, responses((status = 204, description = "Two-factor login is off")))]
async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
    body: web::Json<DisableBody>,
) -> Result<HttpResponse, AppError> {
    recently_verified(&me)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    for (field, value) in [("password", &body.password), ("code", &body.code)] {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            errors.add(field, "is required");
        }
    }
    errors.into_result()?;
    let (password, code) = (body.password.unwrap_or_default(), body.code.unwrap_or_default());
    totp::disable(&state.accounts(), &me.user, password, code, origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MfaBody {
    #[schema(required = true)]
    mfa_token: Option<String>,
    code: Option<String>,
    recovery_code: Option<String>,
}

/// `POST /api/v1/auth/login/mfa` `{mfa_token, code | recovery_code}` → the login answer.
#[utoipa::path(post, path = "/api/v1/auth/login/mfa", tag = "auth", security(()), request_body = MfaBody, responses((status = 200, description = "Logged in", body = TokenView)))]
async fn login_mfa(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<MfaBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let token = required(body.mfa_token, "mfa_token")?;
    let code = [body.code, body.recovery_code]
        .into_iter()
        .flatten()
        .find(|c| !c.trim().is_empty())
        .ok_or_else(|| AppError::Validation(FieldErrors::single("code", "is required")))?;
    let device = cookies::device_sent(&req);
    let started = mfa::complete(&state.accounts(), token, code, device, origin(&req)).await?;
    let mut resp = HttpResponse::Ok();
    if let Some(c) = cookies::device_after_login(&req, &state.keys, &state.config, &started.user.id)
    {
        resp.cookie(c);
    }
    Ok(resp.json(TokenView::new(started)))
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    #[schema(required = true)]
    password: Option<String>,
    code: Option<String>,
}

/// `POST /api/v1/auth/confirm` `{password, code?}`: prove it is you again (204); sensitive
/// actions are then allowed for ten minutes.
#[utoipa::path(post, path = "/api/v1/auth/confirm", tag = "auth", request_body = ConfirmBody, responses((status = 204, description = "Sensitive actions are allowed for ten minutes")))]
async fn confirm_identity(
    state: web::Data<AppState>,
    me: AccountHolder,
    body: web::Json<ConfirmBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let password = required(body.password, "password")?;
    let (user, session) = (&me.user.id, &me.session.id);
    totp::confirm_identity(&state.accounts(), user, session, password, body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}
