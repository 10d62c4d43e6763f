//! `/api/v1/sessions`: the caller's live sessions, and revoking one.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use crate::api::views::{Items, SessionView};
use crate::auth::sessions::EndReason;
use crate::db;
use crate::db::ids::SessionId;
use crate::db::models::sessions;
use crate::error::AppError;
use crate::http::auth::{CurrentUser, origin};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions", web::get().to(list)).route("/sessions/{id}", web::delete().to(revoke));
}

/// `GET /api/v1/sessions`: live sessions, newest first, this one marked `current`.
async fn list(
    state: web::Data<AppState>,
    me: CurrentUser,
) -> Result<web::Json<Items<SessionView>>, AppError> {
    let now = Utc::now().naive_utc();
    let user = me.user.id.clone();
    let rows = db::run(&state.db, move |conn| Ok(sessions::list_live(conn, &user, now)?)).await?;
    let items = rows.iter().map(|s| SessionView::new(s, s.id == me.session.id)).collect();
    Ok(web::Json(Items { items }))
}

/// `DELETE /api/v1/sessions/{id}`: revoke one of the caller's sessions (204; 404 if not theirs).
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = SessionId(path.into_inner());
    let (now, from) = (Utc::now().naive_utc(), origin(&req));
    let revoked = db::run(&state.db, move |conn| {
        crate::auth::sessions::end(conn, &me.user, &id, EndReason::Revoked, &from, now)
    })
    .await?;
    if revoked { Ok(HttpResponse::NoContent().finish()) } else { Err(AppError::NotFound) }
}
