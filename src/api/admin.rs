//! `/api/v1/admin/*`: account management for admins (the rest arrives with the admin issue).
//! Every handler takes `AdminUser`: for anyone else these routes answer 404.

use actix_web::web;

use crate::api::views::{Items, UserView};
use crate::auth::extractors::AdminUser;
use crate::db;
use crate::db::models::users;
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(list_users));
}

/// `GET /api/v1/admin/users`: every account.
async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> Result<web::Json<Items<UserView>>, AppError> {
    let rows = db::run(&state.db, |conn| Ok(users::list_all(conn)?)).await?;
    Ok(web::Json(Items { items: rows.iter().map(UserView::from).collect() }))
}
