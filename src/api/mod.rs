//! The JSON API under `/api/v1`: thin handlers over the domain modules. Errors are problem
//! details (see `error.rs`); bodies are capped and malformed ones answer 400/413/415.

pub(crate) mod admin;
pub(crate) mod app_passwords;
mod archives;
mod auth;
mod confine;
mod device;
pub(crate) mod endpoint;
pub(crate) mod files;
mod me;
pub mod openapi;
mod organize;
pub(crate) mod preview;
mod search;
mod sessions;
mod shares;
mod totp;
mod trash;
mod uploads;
mod views;

use actix_web::error::JsonPayloadError;
use actix_web::{HttpRequest, web};

use crate::error::AppError;

/// Largest JSON body accepted: account requests are tiny.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

/// The API; `cors_origins` may call it from their pages (see `http::cors`).
pub fn configure(cfg: &mut web::ServiceConfig, cors_origins: &[String]) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(crate::http::cors::layer(cors_origins))
            .app_data(web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(json_error))
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| AppError::BadRequest(format!("bad path: {e}")).into()),
            )
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                AppError::BadRequest(format!("bad query string: {e}")).into()
            }))
            .configure(admin::configure)
            .configure(app_passwords::configure)
            .configure(archives::configure)
            .configure(auth::configure)
            .configure(device::configure)
            // organize first: its `/files/batch` before files' `/files/{id}`.
            .configure(organize::configure)
            .configure(files::configure)
            .configure(me::configure)
            .configure(search::configure)
            .configure(sessions::configure)
            .configure(shares::configure)
            .configure(totp::configure)
            .configure(trash::configure)
            .configure(uploads::configure)
            .configure(openapi::configure)
            .default_service(web::to(not_found)),
    );
    cfg.configure(openapi::configure_docs);
}

/// Unknown API routes answer a problem, not an HTML page.
async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

pub(crate) fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            AppError::PayloadTooLarge(format!("the request body is larger than {limit} bytes"))
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMedia(
            "send the body as JSON (Content-Type: application/json)".into(),
        ),
        JsonPayloadError::Deserialize(e) => {
            AppError::BadRequest(format!("the body is not valid JSON for this request: {e}"))
        }
        other => AppError::BadRequest(format!("cannot read the request body: {other}")),
    };
    app.into()
}

/// A JSON body that may be left out entirely (no body means every field absent); one that is
/// there must be valid, or the request is refused with the reason.
pub(crate) fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if body.len() > MAX_JSON_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "the request body is larger than {MAX_JSON_BYTES} bytes"
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!("the body is not valid JSON for this request: {e}"))
    })
}

/// For `Option<Option<T>>` body fields: `Some(None)` for an explicit `null`, `None` (with
/// `#[serde(default)]`) when the field is absent.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Option::<String>::deserialize(d).map(Some)
}
