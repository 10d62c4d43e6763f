//! `/api/v1/me`: the caller's profile and password.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::api::views::UserView;
use crate::auth::recent;
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{AccountHolder, CurrentUser, origin};
use crate::state::AppState;
use crate::users;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/me").get(me))
        .service(Endpoint::at("/me/password").put(change_password));
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct MeView {
    #[serde(flatten)]
    user: UserView,
    /// Bytes in the trash (part of `storage_used` until purged).
    trash_used: i64,
    /// Whether logging in asks for a TOTP code after the password.
    totp_enabled: bool,
}

/// `GET /api/v1/me`: the caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, description = "The caller's account", body = MeView)))]
async fn me(state: web::Data<AppState>, me: CurrentUser) -> Result<web::Json<MeView>, AppError> {
    let owner = me.user.id.clone();
    let (trash_used, totp_enabled) = crate::db::run(&state.db, move |conn| {
        Ok((crate::db::models::trash::bytes(conn, &owner)?, users::totp::enabled(conn, &owner)?))
    })
    .await?;
    Ok(web::Json(MeView { user: UserView::from(&me.user), trash_used, totp_enabled }))
}

/// Unknown fields are refused (400 naming the expected ones): a typo must not pass silently.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = PasswordChange)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    #[schema(required = true)]
    current_password: Option<String>,
    #[schema(required = true)]
    new_password: Option<String>,
    /// End the app passwords too (by default they survive a password change).
    #[serde(default)]
    end_app_passwords: bool,
}

/// `PUT /api/v1/me/password` `{current_password, new_password, end_app_passwords?}`: change
/// the password; the user's other sessions end (204). Needs a recent login.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "account", request_body = PasswordBody, responses((status = 204, description = "Changed; the other sessions have ended")))]
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    recent::require(&me.session, chrono::Utc::now().naive_utc())?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    if body.current_password.as_deref().is_none_or(str::is_empty) {
        errors.add("current_password", "is required");
    }
    if body.new_password.as_deref().is_none_or(str::is_empty) {
        errors.add("new_password", "is required");
    }
    errors.into_result()?;
    users::change_password(
        &state.accounts(),
        &me.user.id,
        &me.session.id,
        body.current_password.unwrap_or_default(),
        body.new_password.unwrap_or_default(),
        body.end_app_passwords,
        origin(&req),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
