//! `/api/v1/trash`: what the caller deleted, restore by id, purge one, empty all.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::api::confine;
use crate::api::views::FileItem;
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::trash as trash_rows;
use crate::error::AppError;
use crate::files::trash::{self, TrashItem};
use crate::http::auth::{FilesReader, FilesWriter};
use crate::settings;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/trash").get(list).delete(empty))
        .service(Endpoint::at("/trash/{id}").delete(purge))
        .service(Endpoint::at("/trash/{id}/restore").post(restore));
}

#[derive(Serialize, utoipa::ToSchema)]
struct TrashView {
    id: String,
    name: String,
    kind: &'static str,
    size: i64,
    mime: Option<String>,
    deleted_at: String,
    purge_after: String,
    original_path: String,
    restores_to: String,
}

impl From<&TrashItem> for TrashView {
    fn from(t: &TrashItem) -> Self {
        TrashView {
            id: t.row.id.to_string(),
            name: t.row.name.clone(),
            kind: if t.row.is_folder() { "folder" } else { "file" },
            size: t.size,
            mime: t.row.mime.clone(),
            deleted_at: t.row.trashed_at.map(rfc3339).unwrap_or_default(),
            purge_after: rfc3339(t.purge_after),
            original_path: t.original_path.clone(),
            restores_to: t.restores_to.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct TrashList {
    items: Vec<TrashView>,
    /// Bytes in the trash (they still count in `storage_used`).
    trash_used: i64,
    retention_days: u32,
}

/// `GET /api/v1/trash`
#[utoipa::path(get, path = "/api/v1/trash", tag = "trash", responses((status = 200, description = "One item per deletion", body = TrashList)))]
async fn list(
    state: web::Data<AppState>,
    me: FilesReader,
) -> Result<web::Json<TrashList>, AppError> {
    confine::whole_account(&me)?;
    let (owner, st) = (me.user.id.clone(), state.clone());
    let (items, used, days) = db::run(&state.db, move |conn| {
        let days = settings::current(conn, &st.config)?.trash_retention_days;
        let items = trash::list(conn, &owner, days)?;
        Ok((items, trash_rows::bytes(conn, &owner)?, days))
    })
    .await?;
    Ok(web::Json(TrashList {
        items: items.iter().map(TrashView::from).collect(),
        trash_used: used,
        retention_days: days,
    }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RestoreBody {
    /// Where to restore to; `null` (or `""`) is the root; absent: where it was.
    #[serde(default, deserialize_with = "crate::api::present")]
    folder: Option<Option<String>>,
}

/// `POST /api/v1/trash/{id}/restore` `{folder?}`: 200 the restored item.
#[utoipa::path(post, path = "/api/v1/trash/{id}/restore", tag = "trash", params(("id" = String, Path, description = "A trashed item id")), request_body(content = Option<RestoreBody>, description = "May be empty: back where it was"), responses((status = 200, description = "The restored item", body = FileItem)))]
async fn restore(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<web::Json<FileItem>, AppError> {
    confine::whole_account(&me)?;
    let body: RestoreBody = crate::api::optional_json(&body)?;
    let (owner, id) = (me.user.id.clone(), FileId(id.into_inner()));
    let row = db::run(&state.db, move |conn| {
        let into = body.folder.map(|f| f.filter(|f| !f.is_empty()).map(FileId));
        trash::restore(conn, &owner, &id, into.as_ref().map(Option::as_ref))
    })
    .await?;
    Ok(web::Json(FileItem::from(&row)))
}

/// `DELETE /api/v1/trash/{id}`: purge one deleted item for good (204).
#[utoipa::path(delete, path = "/api/v1/trash/{id}", tag = "trash", params(("id" = String, Path, description = "A trashed item id")), responses((status = 204, description = "Purged for good")))]
async fn purge(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    confine::whole_account(&me)?;
    let (owner, id, st) = (me.user.id.clone(), FileId(id.into_inner()), state.clone());
    db::run(&state.db, move |conn| {
        trash::purge(conn, st.storage.as_ref(), |sha| st.thumbs.forget(sha), &owner, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v1/trash`: empty the trash (204).
#[utoipa::path(delete, path = "/api/v1/trash", tag = "trash", responses((status = 204, description = "The trash is empty")))]
async fn empty(state: web::Data<AppState>, me: FilesWriter) -> Result<HttpResponse, AppError> {
    confine::whole_account(&me)?;
    let (owner, st) = (me.user.id.clone(), state.clone());
    db::run(&state.db, move |conn| {
        trash::empty(conn, st.storage.as_ref(), |sha| st.thumbs.forget(sha), &owner)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
