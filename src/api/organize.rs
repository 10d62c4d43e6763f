//! Stars, the recent list, copies and batch operations under `/api/v1`.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::api::confine::{self, Use};
use crate::api::files::{with_photos, with_previews};
use crate::api::views::{FileItem, Items};
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::trash as rows;
use crate::error::AppError;
use crate::files::batch::{self, Batch, OnConflict, Op, Outcome};
use crate::files::copy::{self, Target};
use crate::http::auth::{FilesReader, FilesWriter};
use crate::state::AppState;

/// The most recent files `GET /api/v1/recent` lists.
const RECENT_LIMIT: i64 = 100;

/// Largest batch body: a thousand ids at about 40 bytes each, with room to spare.
const MAX_BATCH_JSON_BYTES: usize = 128 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let json = web::JsonConfig::default()
        .limit(MAX_BATCH_JSON_BYTES)
        .error_handler(crate::api::json_error);
    // Before `/files/{id}` (api::configure registers this module first), which would match
    // `/files/batch` by its path and answer 405.
    cfg.service(Endpoint::at("/files/batch").data(json).post(run_batch))
        .service(Endpoint::at("/files/{id}/star").put(star).delete(unstar))
        .service(Endpoint::at("/files/{id}/copy").post(copy_one))
        .service(Endpoint::at("/starred").get(starred))
        .service(Endpoint::at("/recent").get(recent));
}

/// `PUT /api/v1/files/{id}/star` (204)
#[utoipa::path(put, path = "/api/v1/files/{id}/star", tag = "files", params(("id" = String, Path, description = "A file or folder id")), responses((status = 204, description = "Starred")))]
async fn star(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_star(&state, &me, id.into_inner(), true).await
}

/// `DELETE /api/v1/files/{id}/star` (204)
#[utoipa::path(delete, path = "/api/v1/files/{id}/star", tag = "files", params(("id" = String, Path, description = "A file or folder id")), responses((status = 204, description = "Not starred")))]
async fn unstar(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_star(&state, &me, id.into_inner(), false).await
}

async fn set_star(
    state: &AppState,
    me: &FilesWriter,
    id: String,
    on: bool,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (me.user.id.clone(), FileId(id));
    confine::id(state, me, &id, Use::Read).await?;
    let n = db::run(&state.db, move |conn| Ok(rows::set_starred(conn, &owner, &[id], on)?)).await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/starred`: starred files and folders, folders first.
#[utoipa::path(get, path = "/api/v1/starred", tag = "files", responses((status = 200, description = "Starred files and folders, folders first", body = Items<FileItem>)))]
async fn starred(
    state: web::Data<AppState>,
    me: FilesReader,
) -> Result<web::Json<Items<FileItem>>, AppError> {
    let owner = me.user.id.clone();
    let found = db::run(&state.db, move |conn| Ok(rows::starred(conn, &owner)?)).await?;
    let found = confine::keep(&state, &me, found).await?;
    let items = with_photos(&state, &found, with_previews(&state, &me, &found)?).await?;
    Ok(web::Json(Items { items }))
}

/// `GET /api/v1/recent`: the latest modified files first.
#[utoipa::path(get, path = "/api/v1/recent", tag = "files", responses((status = 200, description = "The latest modified files first", body = Items<FileItem>)))]
async fn recent(
    state: web::Data<AppState>,
    me: FilesReader,
) -> Result<web::Json<Items<FileItem>>, AppError> {
    let owner = me.user.id.clone();
    let found =
        db::run(&state.db, move |conn| Ok(rows::recent(conn, &owner, RECENT_LIMIT)?)).await?;
    let found = confine::keep(&state, &me, found).await?;
    let items = with_photos(&state, &found, with_previews(&state, &me, &found)?).await?;
    Ok(web::Json(Items { items }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CopyBody {
    /// The target folder; `null` is the root; absent: next to the original.
    #[serde(default, deserialize_with = "crate::api::present")]
    folder: Option<Option<String>>,
    name: Option<String>,
}

/// `POST /api/v1/files/{id}/copy` `{folder?, name?}`: 201 the new item.
#[utoipa::path(post, path = "/api/v1/files/{id}/copy", tag = "files", params(("id" = String, Path, description = "A file or folder id")), request_body(content = Option<CopyBody>, description = "May be empty: a copy next to the original"), responses((status = 201, description = "The copy", body = FileItem), (status = 409, description = "`conflict`", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn copy_one(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let body: CopyBody = crate::api::optional_json(&body)?;
    let (owner, id) = (me.user.id.clone(), FileId(id.into_inner()));
    let into = match body.folder.map(|f| f.filter(|f| !f.is_empty()).map(FileId)) {
        Some(asked) => {
            confine::id(&state, &me, &id, Use::Read).await?;
            Some(confine::folder(&state, &me, asked).await?)
        }
        // Next to the original: outside a confined caller's folder if it is that folder.
        None => {
            confine::id(&state, &me, &id, Use::Change).await?;
            None
        }
    };
    let row = db::run(&state.db, move |conn| {
        let target = Target { into: into.as_ref().map(Option::as_ref), name: body.name.as_deref() };
        copy::copy(conn, &owner, &id, &target, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Created().json(with_previews(&state, &me, &[row])?.remove(0)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    op: String,
    ids: Vec<String>,
    #[serde(default, deserialize_with = "crate::api::present")]
    folder: Option<Option<String>>,
    on_conflict: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BatchResult {
    id: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<FileItem>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BatchAnswer {
    results: Vec<BatchResult>,
}

/// A confined caller's batch: its ids within its folder (and not the folder itself when they
/// move or go to the trash), "the top level" meaning its folder; no restores from the trash.
async fn confine_batch(
    state: &AppState,
    me: &FilesWriter,
    mut batch: Batch,
) -> Result<Batch, AppError> {
    if me.folder.is_none() {
        return Ok(batch);
    }
    let how = match batch.op {
        Op::Restore => return Err(AppError::NotForAppPasswords(confine::ONE_FOLDER)),
        Op::Move | Op::Trash => Use::Change,
        Op::Copy | Op::Star | Op::Unstar => Use::Read,
    };
    confine::ids(state, me, &batch.ids, how).await?;
    if let Some(asked) = batch.folder.take() {
        batch.folder = Some(confine::folder(state, me, asked).await?);
    }
    Ok(batch)
}

/// `POST /api/v1/files/batch` `{op, ids, folder?, on_conflict?}`: 200 one result per id.
#[utoipa::path(post, path = "/api/v1/files/batch", tag = "files", request_body = BatchBody, responses((status = 200, description = "One result per id, in order", body = BatchAnswer)))]
async fn run_batch(
    state: web::Data<AppState>,
    me: FilesWriter,
    body: web::Json<BatchBody>,
) -> Result<web::Json<BatchAnswer>, AppError> {
    let body = body.into_inner();
    let batch = Batch {
        op: Op::parse(&body.op)?,
        ids: body.ids.into_iter().map(FileId).collect(),
        folder: body.folder.map(|f| f.filter(|f| !f.is_empty()).map(FileId)),
        on_conflict: OnConflict::parse(body.on_conflict.as_deref())?,
    };
    batch::validate(&batch)?;
    let batch = confine_batch(&state, &me, batch).await?;
    let owner = me.user.id.clone();
    let outcomes =
        db::run(&state.db, move |conn| batch::run(conn, &owner, &batch, Utc::now().naive_utc()))
            .await?;
    let mut results = Vec::with_capacity(outcomes.len());
    for (id, outcome) in outcomes {
        let result = match outcome {
            Outcome::Done(row) => BatchResult {
                id: id.to_string(),
                ok: true,
                code: None,
                detail: None,
                item: match row {
                    Some(row) => Some(with_previews(&state, &me, &[*row])?.remove(0)),
                    None => None,
                },
            },
            Outcome::Skipped => BatchResult {
                id: id.to_string(),
                ok: false,
                code: Some("skipped"),
                detail: Some("the name is taken in the target folder".into()),
                item: None,
            },
            Outcome::Failed(e) => BatchResult {
                id: id.to_string(),
                ok: false,
                code: Some(e.code_and_status().0),
                detail: Some(e.to_string()),
                item: None,
            },
        };
        results.push(result);
    }
    Ok(web::Json(BatchAnswer { results }))
}
