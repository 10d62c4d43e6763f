//! Reading multipart uploads, shared by `POST /api/v1/files` and the upload form of `/files`
//! (and later the share links' upload page): turns `file` parts into files, one at a time,
//! each streamed (see `files::upload`).

use std::sync::Arc;

use actix_multipart::{Field, Multipart};
use chrono::Utc;
use futures_util::StreamExt;

use crate::db;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::FileRow;
use crate::db::models::users;
use crate::error::AppError;
use crate::files::confine::Confinement;
use crate::files::upload::{self, Limits};
use crate::files::{self, upload_name};
use crate::state::AppState;

/// Room for multipart boundaries and headers when comparing Content-Length with the quota.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// The part's file name: `filename`, else the RFC 5987 `filename*`.
pub(crate) fn file_name(cd: &actix_web::http::header::ContentDisposition) -> Option<String> {
    cd.get_filename().map(str::to_owned).or_else(|| {
        cd.get_filename_ext().map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
    })
}

pub(crate) fn malformed(e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("the upload is not a valid multipart/form-data body: {e}"))
}

/// The request's declared body length, if it has a readable one (for [`precheck`]).
pub fn content_length(req: &actix_web::HttpRequest) -> Option<u64> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Refuses a part that carries its own `Content-Length`: RFC 7578 §4.8 allows only
/// Content-Disposition and Content-Type (and Content-Transfer-Encoding) in a part, and the
/// multipart reader would otherwise cut the part at that length and drop the rest of its bytes,
/// storing a file other than the one sent.
pub fn refuse_part_length(field: &Field) -> Result<(), AppError> {
    if field.headers().contains_key(actix_web::http::header::CONTENT_LENGTH) {
        return Err(AppError::BadRequest(
            "a part of this multipart/form-data body has its own Content-Length header, which \
             form uploads must not carry (RFC 7578 §4.8); send the part without it"
                .into(),
        ));
    }
    Ok(())
}

/// Refuses at once, before reading the body, an upload whose declared length is over the
/// per-file limit (one request carries at most one file's worth) or cannot fit the quota.
pub async fn precheck(
    state: &AppState,
    owner: &UserId,
    content_length: Option<u64>,
) -> Result<Limits, AppError> {
    let id = owner.clone();
    let user = db::run(&state.db, move |conn| Ok(users::find(conn, &id)?)).await?;
    let (used, quota) = (user.storage_used.max(0) as u64, user.quota.max(0) as u64);
    let limits = Limits {
        max_file_bytes: state.config.max_upload_bytes,
        quota_left: quota.saturating_sub(used),
        quota,
    };
    if let Some(len) = content_length
        && len > limits.max_file_bytes.saturating_add(MULTIPART_OVERHEAD)
    {
        return Err(AppError::PayloadTooLarge(format!(
            "this upload is {}, over the {} limit per file (a request may carry at most one \
             file's worth); send large files one at a time",
            files::human_bytes(i64::try_from(len).unwrap_or(i64::MAX)),
            files::human_bytes(i64::try_from(limits.max_file_bytes).unwrap_or(i64::MAX))
        )));
    }
    if let Some(len) = content_length
        && len > limits.quota_left + MULTIPART_OVERHEAD
    {
        return Err(upload::quota_error(len.saturating_sub(MULTIPART_OVERHEAD), used, quota));
    }
    Ok(limits)
}

/// Where the parts of one upload go: the folder (a `folder` part may change it before the
/// first file) and what is left of the limits.
pub(crate) struct Destination {
    owner: UserId,
    pub(crate) folder: Option<FileId>,
    /// The folder last found to exist and belong to the owner.
    checked: Option<Option<FileId>>,
    /// An app password's folder: uploads go there or below it (`files::confine`).
    confined_to: Option<FileId>,
    limits: Limits,
    /// An upload link whose caps every file must fit (`shares::take_upload`), checked in
    /// the transaction that commits it.
    cap: Option<String>,
}

impl Destination {
    /// Files of a drop through the upload link `share` into `folder` of `owner`.
    pub(crate) fn for_link(owner: &UserId, folder: FileId, limits: Limits, share: String) -> Self {
        Destination {
            owner: owner.clone(),
            folder: Some(folder),
            checked: None,
            confined_to: None,
            limits,
            cap: Some(share),
        }
    }
}

/// Stores every `file` part of `payload` in `folder` (a `folder` part, if any, must come
/// before the files and overrides it). Other parts are skipped. Parts are stored one by one:
/// when a later part is refused (quota, size, name), the files before it stay stored and the
/// answer is the refusal; the client can list the folder to see what arrived.
pub async fn store_parts(
    state: Arc<AppState>,
    (owner, confined_to): (&UserId, Option<FileId>),
    folder: Option<FileId>,
    limits: Limits,
    payload: &mut Multipart,
) -> Result<Vec<FileRow>, AppError> {
    let mut to =
        Destination { owner: owner.clone(), folder, checked: None, confined_to, limits, cap: None };
    let mut stored = Vec::new();
    while let Some(field) = payload.next().await {
        let field = field.map_err(malformed)?;
        refuse_part_length(&field)?;
        let cd = field.content_disposition().cloned();
        match cd.as_ref().and_then(|cd| cd.get_name()).unwrap_or("") {
            "folder" if !stored.is_empty() => {
                return Err(AppError::BadRequest(
                    "send the `folder` field before the files".into(),
                ));
            }
            "folder" => to.folder = read_text(field, "folder").await?.map(FileId),
            "file" => {
                let name =
                    cd.as_ref().and_then(file_name).map(|n| upload_name(&n)).unwrap_or_default();
                let row = store_file(&state, &mut to, name, field).await?;
                warm_thumbnail(&state, &row);
                stored.push(row);
            }
            _ => skip(field).await?,
        }
    }
    if stored.is_empty() {
        return Err(AppError::BadRequest("the upload has no `file` part".into()));
    }
    Ok(stored)
}

/// A short text part (`folder`: a folder id, or empty for the root), trimmed; `None` when
/// empty.
pub(crate) async fn read_text(
    mut field: Field,
    name: &'static str,
) -> Result<Option<String>, AppError> {
    let mut text = Vec::new();
    while let Some(chunk) = field.next().await {
        text.extend_from_slice(&chunk.map_err(malformed)?);
        if text.len() > 1024 {
            return Err(AppError::BadRequest(format!("the `{name}` field is too long")));
        }
    }
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    Ok((!text.is_empty()).then_some(text))
}

/// A `file` part: checked (name, folder) before its bytes stream, then received and committed.
pub(crate) async fn store_file(
    state: &Arc<AppState>,
    to: &mut Destination,
    name: String,
    mut field: Field,
) -> Result<FileRow, AppError> {
    if name.is_empty() {
        return Err(AppError::BadRequest("a `file` part needs a file name".into()));
    }
    // Refuse a bad name or folder before streaming, not after the whole body.
    files::validate_name("file", &name)?;
    if to.checked.as_ref() != Some(&to.folder) {
        let (owner, f, root) = (to.owner.clone(), to.folder.clone(), to.confined_to.clone());
        to.folder = db::run(&state.db, move |conn| {
            let f = match &root {
                Some(root) => Confinement::new(&owner, root).folder(conn, f)?,
                None => f,
            };
            files::folder(conn, &owner, f.as_ref())?;
            Ok(f)
        })
        .await?;
        to.checked = Some(to.folder.clone());
    }
    let mut received = upload::receive(state.storage.clone(), &mut field, to.limits).await?;
    to.limits.quota_left = to.limits.quota_left.saturating_sub(received.size);
    // To a remote store before a database connection is taken: no pooled connection waits
    // on the transfer.
    let storage = state.storage.clone();
    let received = crate::blocking::run(move || {
        upload::send_ahead(storage.as_ref(), &mut received).map(|()| received)
    })
    .await??;
    let (storage, owner, folder) = (state.storage.clone(), to.owner.clone(), to.folder.clone());
    let cap = to.cap.clone();
    db::run(&state.db, move |conn| {
        let now = Utc::now().naive_utc();
        let into = (&owner, folder.as_ref(), name.as_str());
        upload::commit_checked(conn, storage.as_ref(), into, received, now, |conn, size| match &cap
        {
            Some(share) => crate::shares::drop::take(conn, share, size),
            None => Ok(()),
        })
    })
    .await
}

/// Any other part: read and dropped.
pub(crate) async fn skip(mut field: Field) -> Result<(), AppError> {
    while let Some(chunk) = field.next().await {
        chunk.map_err(malformed)?;
    }
    Ok(())
}

/// Starts making the `sm` thumbnail of a freshly stored image in the background, so the grid
/// shows it without waiting for a decode.
pub(crate) fn warm_thumbnail(state: &AppState, row: &FileRow) {
    let (Some(sha), Some(mime)) = (row.blob_sha256.as_deref(), row.mime.as_deref()) else {
        return;
    };
    if !crate::preview::is_previewable(mime) {
        return;
    }
    let storage = state.storage.clone();
    state.thumbs.warm(storage, sha.to_owned(), mime.to_owned(), crate::preview::Size::Sm);
}
