//! `/api/v1/sessions`: the caller's live sessions, and revoking one.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use crate::api::views::{Items, SessionView};
use crate::auth::sessions::EndReason;
use crate::db;
use crate::db::ids::SessionId;
use crate::db::models::app_passwords as app_password_rows;
use crate::db::models::sessions;
use crate::error::AppError;
use crate::http::auth::{AccountHolder, origin};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/sessions").get(list))
        .service(Endpoint::at("/sessions/{id}").delete(revoke));
}

/// `GET /api/v1/sessions`: live sessions, newest first, this one marked `current`.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "account", responses((status = 200, description = "Live sessions, newest first", body = Items<SessionView>)))]
async fn list(
    state: web::Data<AppState>,
    me: AccountHolder,
) -> Result<web::Json<Items<SessionView>>, AppError> {
    let now = Utc::now().naive_utc();
    let user = me.user.id.clone();
    let (rows, names) = db::run(&state.db, move |conn| {
        Ok((sessions::list_live(conn, &user, now)?, app_password_rows::names_of(conn, &user, now)?))
    })
    .await?;
    let names: std::collections::HashMap<_, _> = names.into_iter().collect();
    let items = rows
        .iter()
        .map(|s| {
            let mut view = SessionView::new(s, s.id == me.session.id);
            view.name = names.get(&s.id).cloned();
            view
        })
        .collect();
    Ok(web::Json(Items { items }))
}

/// `DELETE /api/v1/sessions/{id}`: revoke one of the caller's sessions (204; 404 if not theirs).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "account", params(("id" = String, Path, description = "A session id")), responses((status = 204, description = "Revoked")))]
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
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
