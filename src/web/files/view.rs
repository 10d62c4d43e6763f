//! The viewers of a file's page: `GET /files/{id}/inline` (the bytes for the PDF frame and
//! the `<audio>`/`<video>` elements, Range included) and the text preview the page renders.
//!
//! The inline route is a page-side route: it takes the session cookie like the pages that
//! embed it (no token ever sits in a URL), answers 404 for anything not the caller's own, and
//! sends only PDF, audio and video with their own type; every other file goes exactly as a
//! download does (`http::download`: an attachment, `nosniff`, the CSP sandbox).

use actix_web::http::header::HeaderValue;

use super::*;
use crate::blocking;
use crate::etag;
use crate::files::kind::Viewer;
use crate::files::text_preview::{self, TextPreview};
use crate::http::download::{self, Download, Inline};

/// `GET /files/{id}/inline` (HEAD too)
pub(super) async fn inline(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: PageUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let owner = me.0.user.id.clone();
    let fid = FileId(id.into_inner());
    let row = db::run(&state.db, move |conn| Ok(rows::find_owned(conn, &owner, &fid)?)).await?;
    let Some(sha) = row.blob_sha256.as_deref() else {
        return Err(AppError::BadRequest("a folder has no content to view".into()));
    };
    let inline = match Viewer::of(row.mime.as_deref()) {
        Viewer::Pdf => Some(Inline::Pdf),
        Viewer::Video | Viewer::Audio => Some(Inline::Media),
        _ => None,
    };
    let download = Download {
        key: sha,
        name: &row.name,
        mime: row.mime.as_deref(),
        // Not the download's tag: the same URL never answers with two different sets of
        // headers under one validator.
        etag: etag::keyed(state.keys.etag_key(), &[row.id.as_str(), sha, "inline"]),
        modified_at: row.modified_at,
        cache: HeaderValue::from_static("private, no-cache"),
        patches: Default::default(),
    };
    download::send_inline(&req, state.storage.clone(), download, inline).await
}

/// The text preview of `row`: its first MiB read from storage on the blocking pool.
pub(super) async fn text(state: &AppState, row: &FileRow) -> Result<TextPreview, AppError> {
    let Some(sha) = row.blob_sha256.clone() else { return Ok(TextPreview::Binary) };
    let storage = state.storage.clone();
    let head = blocking::run(move || -> std::io::Result<(Vec<u8>, u64)> {
        use std::io::Read;
        let blob = storage.open(&sha)?;
        let total = blob.len;
        let mut head =
            Vec::with_capacity(usize::try_from(total).unwrap_or(0).min(text_preview::MAX_BYTES));
        blob.take(text_preview::MAX_BYTES as u64).read_to_end(&mut head)?;
        Ok((head, total))
    })
    .await?
    .map_err(crate::storage::to_app_error)?;
    Ok(text_preview::preview(&head.0, head.1))
}
