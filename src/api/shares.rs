//! `/api/v1/shares` and `/api/v1/files/{id}/shares`: the owner's share links (create, list,
//! read, edit, revoke). Thin over `shares::`. Reading needs `files:read`, changing
//! `files:write`, and an app password also needs the `shares` scope; one confined to a folder
//! shares only inside it. No answer carries a password or its hash.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::app_passwords::parse_expiry;
use crate::api::confine::{self, Use};
use crate::auth::password;
use crate::auth::tokens::Keys;
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::shares::{self as rows, ShareChanges, ShareRow};
use crate::error::AppError;
use crate::http::auth::{CurrentUser, FilesReader, FilesWriter, origin};
use crate::shares::{self, Kind, NewShare, State, UploadCaps};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/shares").post(create).get(list))
        .service(Endpoint::at("/shares/{id}").get(one).patch(edit).delete(revoke))
        .service(Endpoint::at("/files/{id}/shares").get(of_file));
}

/// An app password needs the `shares` scope; a token or a session already may share.
fn may_share(me: &CurrentUser) -> Result<(), AppError> {
    if me.is_app_password() { me.require_scope("shares") } else { Ok(()) }
}

/// A link as the owner sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ShareView {
    id: String,
    /// The token and the path to open (`/s/{token}`): absent when the link was sealed under
    /// a signing key that has since been replaced (the link works; make a new one to copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    kind: String,
    file: String,
    label: Option<String>,
    has_password: bool,
    allow_download: bool,
    hide_location: bool,
    expires_at: Option<String>,
    max_downloads: Option<i64>,
    download_count: i64,
    view_count: i64,
    /// Upload links: caps on files and bytes in all, what arrived so far, and whether each
    /// visitor's files go in a subfolder named after them.
    max_uploads: Option<i64>,
    max_upload_bytes: Option<i64>,
    upload_count: i64,
    upload_bytes: i64,
    uploader_folders: bool,
    created_at: String,
    revoked_at: Option<String>,
    /// `active`, `expired`, `exhausted` or `revoked`.
    state: &'static str,
}

impl ShareView {
    pub fn new(row: &ShareRow, keys: &Keys, now: NaiveDateTime) -> Self {
        let token = shares::seal::unseal(keys, row);
        ShareView {
            id: row.id.clone(),
            url: token.as_deref().map(shares::url),
            token,
            kind: row.kind.clone(),
            file: row.file_id.to_string(),
            label: row.label.clone(),
            has_password: row.password_hash.is_some(),
            allow_download: row.allow_download,
            hide_location: row.hide_location,
            expires_at: row.expires_at.map(rfc3339),
            max_downloads: row.max_downloads,
            download_count: row.download_count,
            view_count: row.view_count,
            max_uploads: row.max_uploads,
            max_upload_bytes: row.max_upload_bytes,
            upload_count: row.upload_count,
            upload_bytes: row.upload_bytes,
            uploader_folders: row.uploader_folders,
            created_at: rfc3339(row.created_at),
            revoked_at: row.revoked_at.map(rfc3339),
            state: State::of(row, now).as_str(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewShare)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    file: String,
    kind: Option<String>,
    password: Option<String>,
    expires_at: Option<String>,
    max_downloads: Option<i64>,
    allow_download: Option<bool>,
    hide_location: Option<bool>,
    label: Option<String>,
    max_uploads: Option<i64>,
    max_upload_bytes: Option<i64>,
    uploader_folders: Option<bool>,
}

/// The bcrypt of a non-empty `password`, made on the hashers pool.
async fn hash(state: &AppState, password: Option<String>) -> Result<Option<String>, AppError> {
    let Some(password) = password.filter(|p| !p.is_empty()) else { return Ok(None) };
    let cost = state.config.bcrypt_cost;
    let hashed = state.accounts().hashers.run(move || password::hash(&password, cost)).await??;
    Ok(Some(hashed))
}

/// `POST /api/v1/shares` → 201 with `token` and `url`.
#[utoipa::path(post, path = "/api/v1/shares", tag = "shares", request_body = CreateBody, responses((status = 201, description = "The new link", body = ShareView)))]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    may_share(&me)?;
    let body = body.into_inner();
    let file = FileId(body.file);
    confine::id(&state, &me, &file, Use::Read).await?;
    let new = NewShare {
        file,
        kind: Kind::parse(body.kind.as_deref().unwrap_or("view"))?,
        label: body.label,
        password_hash: hash(&state, body.password).await?,
        allow_download: body.allow_download.unwrap_or(true),
        hide_location: body.hide_location.unwrap_or(false),
        expires_at: body.expires_at.map(|e| parse_expiry("expires_at", &e)).transpose()?,
        max_downloads: body.max_downloads,
        upload: UploadCaps {
            max_files: body.max_uploads,
            max_bytes: body.max_upload_bytes,
            uploader_folders: body.uploader_folders.unwrap_or(false),
        },
    };
    let (user, from, now) = (me.user.clone(), origin(&req), Utc::now().naive_utc());
    let keys = state.keys.clone();
    let (row, token) =
        db::run(&state.db, move |conn| shares::create(conn, (&user, &keys), new, &from, now))
            .await?;
    let mut view = ShareView::new(&row, &state.keys, now);
    view.url = Some(shares::url(&token));
    view.token = Some(token);
    Ok(HttpResponse::Created().json(view))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareList)]
struct Listed {
    items: Vec<ShareView>,
}

/// The caller's links (of `file` only, if given), those a confined caller may see.
async fn listed(
    state: &AppState,
    me: &CurrentUser,
    file: Option<FileId>,
) -> Result<web::Json<Listed>, AppError> {
    may_share(me)?;
    if let Some(file) = &file {
        confine::id(state, me, file, Use::Read).await?;
    }
    let owner = me.user.id.clone();
    let found =
        db::run(&state.db, move |conn| Ok(rows::list(conn, &owner, file.as_ref())?)).await?;
    let mut items = Vec::with_capacity(found.len());
    let now = Utc::now().naive_utc();
    for row in found {
        if confine::id(state, me, &row.file_id, Use::Read).await.is_ok() {
            items.push(ShareView::new(&row, &state.keys, now));
        }
    }
    Ok(web::Json(Listed { items }))
}

/// `GET /api/v1/shares`: every link of the caller, newest first (revoked ones too).
#[utoipa::path(get, path = "/api/v1/shares", tag = "shares", responses((status = 200, description = "Every link of the caller, newest first", body = Listed)))]
async fn list(state: web::Data<AppState>, me: FilesReader) -> Result<web::Json<Listed>, AppError> {
    listed(&state, &me, None).await
}

/// `GET /api/v1/files/{id}/shares`
#[utoipa::path(get, path = "/api/v1/files/{id}/shares", tag = "shares", params(("id" = String, Path, description = "A file or folder id")), responses((status = 200, description = "The links to this item", body = Listed)))]
async fn of_file(
    state: web::Data<AppState>,
    me: FilesReader,
    id: web::Path<String>,
) -> Result<web::Json<Listed>, AppError> {
    listed(&state, &me, Some(FileId(id.into_inner()))).await
}

/// The link `id` of the caller, within a confined caller's folder.
async fn owned(state: &AppState, me: &CurrentUser, id: String) -> Result<ShareRow, AppError> {
    may_share(me)?;
    let owner = me.user.id.clone();
    let row = db::run(&state.db, move |conn| Ok(rows::find_owned(conn, &owner, &id)?)).await?;
    confine::id(state, me, &row.file_id, Use::Read).await?;
    Ok(row)
}

/// `GET /api/v1/shares/{id}`
#[utoipa::path(get, path = "/api/v1/shares/{id}", tag = "shares", params(("id" = String, Path, description = "A share link id")), responses((status = 200, description = "The link", body = ShareView)))]
async fn one(
    state: web::Data<AppState>,
    me: FilesReader,
    id: web::Path<String>,
) -> Result<web::Json<ShareView>, AppError> {
    let row = owned(&state, &me, id.into_inner()).await?;
    Ok(web::Json(ShareView::new(&row, &state.keys, Utc::now().naive_utc())))
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EditBody {
    /// A new password; `null` or `""` removes it. Either way, unlocked visitors are locked.
    #[serde(default, deserialize_with = "nullable")]
    password: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    expires_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    max_downloads: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    label: Option<Option<String>>,
    allow_download: Option<bool>,
    hide_location: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    max_uploads: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    max_upload_bytes: Option<Option<i64>>,
    uploader_folders: Option<bool>,
}

/// `PATCH /api/v1/shares/{id}` `{password?, expires_at?, max_downloads?, allow_download?,
/// hide_location?, label?}`
#[utoipa::path(patch, path = "/api/v1/shares/{id}", tag = "shares", params(("id" = String, Path, description = "A share link id")), request_body = EditBody, responses((status = 200, description = "The changed link", body = ShareView)))]
async fn edit(
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
    body: web::Json<EditBody>,
) -> Result<web::Json<ShareView>, AppError> {
    let row = owned(&state, &me, id.into_inner()).await?;
    let body = body.into_inner();
    let password_changed = body.password.is_some();
    let changes = ShareChanges {
        label: body.label.map(shares::clean_label),
        password_hash: match body.password {
            Some(p) => Some(hash(&state, p).await?),
            None => None,
        },
        allow_download: body.allow_download,
        hide_location: body.hide_location,
        expires_at: match body.expires_at {
            Some(e) => Some(e.map(|e| parse_expiry("expires_at", &e)).transpose()?),
            None => None,
        },
        max_downloads: body.max_downloads,
        max_uploads: body.max_uploads,
        max_upload_bytes: body.max_upload_bytes,
        uploader_folders: body.uploader_folders,
    };
    let (user, now) = (me.user.clone(), Utc::now().naive_utc());
    let updated = db::run(&state.db, move |conn| {
        shares::update(conn, &user, &row.id, &changes, password_changed, now)
    })
    .await?;
    Ok(web::Json(ShareView::new(&updated, &state.keys, now)))
}

/// `DELETE /api/v1/shares/{id}`: revokes it (204); 404 when it is not a live link of the
/// caller's.
#[utoipa::path(delete, path = "/api/v1/shares/{id}", tag = "shares", params(("id" = String, Path, description = "A share link id")), responses((status = 204, description = "Revoked")))]
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: FilesWriter,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let row = owned(&state, &me, id.into_inner()).await?;
    let (user, from, now) = (me.user.clone(), origin(&req), Utc::now().naive_utc());
    db::run(&state.db, move |conn| shares::revoke(conn, &user, &row.id, &from, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
