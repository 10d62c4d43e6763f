//! `GET|HEAD /preview/{id}?token=…&size=sm|md|lg|orig`: an image preview that works in an
//! `<img>` tag or an app's image loader. Authorization is in `auth::preview`; thumbnails come
//! from `preview::Thumbnailer`; `orig` is the file itself, served as a download would be.

use std::borrow::Cow;

use actix_web::http::Method;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::api::confine::{self, Use};
use crate::auth::app_passwords;
use crate::auth::preview::{PreviewAuth, PreviewFile, PreviewGrant, Token, authorize};
use crate::db;
use crate::db::ids::FileId;
use crate::db::models::files;
use crate::error::AppError;
use crate::etag;
use crate::http::auth::{api_token, authenticate_header};
use crate::http::download::{self, Download};
use crate::preview::{Size, is_previewable};
use crate::state::AppState;
use crate::web::PageError;

/// No cache keeps a preview longer than this, whatever the token's life.
const MAX_AGE_CAP: i64 = 3600;

/// `/preview/{id}`; `cors_origins` may load previews from their pages (`http::cors`).
pub fn configure(cfg: &mut web::ServiceConfig, cors_origins: &[String]) {
    cfg.service(
        web::scope("/preview")
            .wrap(crate::http::cors::layer(cors_origins))
            // The id is read from the rest of the path, not matched by a `{id}` pattern: actix
            // matches one with a regex and a list of captures on every request, 3 % of a cached
            // preview (docs/benchmarks.md). The answers are the same as an `Endpoint`'s.
            .default_service(web::to(by_path)),
    );
}

/// The `{id}` of `/preview/{id}`: `rest` is the path after `/preview`, one non-empty segment.
pub fn id_in(rest: &str) -> Option<&str> {
    rest.strip_prefix('/').filter(|id| !id.is_empty() && !id.contains('/'))
}

/// `GET|HEAD /preview/{id}`; any other path under `/preview` is the site's 404 page, as for
/// any address nothing answers; any other method a 405 with `Allow`.
async fn by_path(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let Some(id) = id_in(req.match_info().unprocessed()) else {
        return Err(PageError::App(AppError::NotFound).into());
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(AppError::MethodNotAllowed("GET, HEAD".into()).into());
    }
    let id = FileId(id.to_owned());
    Ok(preview(req, state, id).await?)
}

/// `?token=…&size=…`; other parameters are ignored, a repeated one is refused.
#[derive(Default)]
struct PreviewQuery<'q> {
    token: Option<Cow<'q, str>>,
    size: Option<Cow<'q, str>>,
}

impl<'q> PreviewQuery<'q> {
    /// Parsed by hand, borrowing from the query string: on the image grid's hot path serde's
    /// machinery cost 3 % of the route, and decoding a copy of the token 4 % more. Only a pair
    /// with `%` or `+` in it is decoded (as `form_urlencoded` does).
    fn parse(query: &'q str) -> Result<Self, AppError> {
        let mut out = PreviewQuery::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = decode_pair(pair);
            let slot = match name.as_ref() {
                "token" => &mut out.token,
                "size" => &mut out.size,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(AppError::BadRequest(format!(
                    "bad query string: `{name}` is repeated"
                )));
            }
        }
        Ok(out)
    }
}

/// `name=value`, decoded only when it needs to be.
fn decode_pair(pair: &str) -> (Cow<'_, str>, Cow<'_, str>) {
    if memchr::memchr2(b'%', b'+', pair.as_bytes()).is_some() {
        let decoded = form_urlencoded::parse(pair.as_bytes()).next().unwrap_or_default();
        return (Cow::Owned(decoded.0.into_owned()), Cow::Owned(decoded.1.into_owned()));
    }
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    (Cow::Borrowed(name), Cow::Borrowed(value))
}

#[utoipa::path(get, path = "/preview/{id}", tag = "files", security(("preview_token" = []), ("bearer" = []), ("token_header" = []), ("basic" = []), ("session_cookie" = [])), params(("id" = String, Path, description = "An image file id"), ("size" = Option<String>, Query, description = "`sm` (256 px, the default), `md` (1024), `lg` (2048) or `orig`"), ("token" = Option<String>, Query, description = "A preview token for this file, or an access token with `files:read`")), responses((status = 200, description = "The image: a JPEG thumbnail, or the original for `orig`", content_type = "image/*"), (status = 206, description = "The range asked for (`orig`)", content_type = "image/*"), (status = 304, description = "Not modified"), (status = 416, description = "Range not satisfiable"), (status = 422, description = "`image_unreadable`", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: FileId,
) -> Result<HttpResponse, AppError> {
    let query = PreviewQuery::parse(req.query_string())?;
    let size = Size::parse(query.size.as_deref())?;
    let (token, from_query) = match query.token.filter(|t| !t.is_empty()) {
        Some(t) => (t, true),
        None => (Cow::Owned(api_token(&req)?.ok_or(AppError::TokenMissing)?.0), false),
    };
    let PreviewGrant { file, expires } = if app_passwords::is_app_password(&token) {
        // Never from a URL, where it would sit in histories and logs for its whole life.
        if from_query {
            return Err(AppError::TokenInvalid);
        }
        app_password_grant(&req, &state, &token, id).await?
    } else {
        token_grant(&state, &token, from_query, id, size).await?
    };
    let cache = cache_control(expires);
    let Some(sha) = file.sha256.as_deref().filter(|_| !file.is_folder) else {
        return Err(AppError::UnsupportedMedia("a folder has no preview".into()));
    };
    let mime = file.mime.as_deref().unwrap_or("application/octet-stream");
    if size == Size::Orig {
        if !is_previewable(mime) {
            return Err(AppError::UnsupportedMedia(
                "this file is not an image; download it from /api/v1/files/{id}/content".into(),
            ));
        }
        let download = Download {
            key: sha,
            name: &file.name,
            mime: Some(mime),
            etag: etag::keyed(state.keys.etag_key(), &[file.id.as_str(), sha]),
            modified_at: file.modified_at,
            cache,
            patches: Default::default(),
        };
        return download::send(&req, state.storage.clone(), download).await;
    }
    crate::http::thumb::send(&req, &state.thumbs, state.storage.clone(), (sha, mime, size), cache)
        .await
}

/// The grant of a preview or access token (`auth::preview`).
async fn token_grant(
    state: &AppState,
    token: &str,
    from_query: bool,
    id: FileId,
    size: Size,
) -> Result<PreviewGrant, AppError> {
    let ctx = PreviewAuth {
        db: &state.db,
        keys: &state.keys,
        verified: &state.verified_tokens,
        grants: &state.grants,
        query_access_tokens: state.config.query_access_tokens,
    };
    authorize(&ctx, Token { text: token, from_query }, id, size).await
}

/// The grant of an app password sent in a header (an app's image loader): `files:read`, and
/// the file within its folder if it has one.
async fn app_password_grant(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    id: FileId,
) -> Result<PreviewGrant, AppError> {
    let me = authenticate_header(req, state, token).await?;
    me.require_scope("files:read")?;
    confine::id(state, &me, &id, Use::Read).await?;
    let owner = me.user.id.clone();
    let row = db::run(&state.db, move |conn| Ok(files::find_owned(conn, &owner, &id)?)).await?;
    let file = PreviewFile {
        is_folder: row.is_folder(),
        id: row.id,
        name: row.name,
        mime: row.mime,
        sha256: row.blob_sha256,
        modified_at: row.modified_at,
    };
    Ok(PreviewGrant { file: file.into(), expires: me.session.expires_at.and_utc().timestamp() })
}

/// `private, max-age=N`: never in a shared cache, and never kept past the credential's life.
fn cache_control(expires: i64) -> HeaderValue {
    thread_local! {
        /// The last value made, by its `N`: the image grid's requests share a few values a
        /// second, and formatting one was a hundredth of a cached preview's time.
        static LAST: std::cell::RefCell<(i64, HeaderValue)> =
            const { std::cell::RefCell::new((-1, HeaderValue::from_static(""))) };
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let left = expires.saturating_sub(now).clamp(0, MAX_AGE_CAP);
    LAST.with_borrow_mut(|(n, value)| {
        if *n != left {
            // From the String itself: no second copy.
            *value = HeaderValue::try_from(format!("private, max-age={left}"))
                .unwrap_or(HeaderValue::from_static("private, no-cache"));
            *n = left;
        }
        value.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::PreviewQuery;

    #[test]
    fn the_query_is_read_as_form_urlencoded_would() {
        let q = PreviewQuery::parse("size=sm&token=eyJ.a.b&x=1").expect("parses");
        assert_eq!((q.token.as_deref(), q.size.as_deref()), (Some("eyJ.a.b"), Some("sm")));
        let q = PreviewQuery::parse("tok%65n=a%2Bb+c&&size").expect("parses");
        assert_eq!((q.token.as_deref(), q.size.as_deref()), (Some("a+b c"), Some("")));
        assert!(PreviewQuery::parse("token=a&size=sm&token=b").is_err());
        assert!(PreviewQuery::parse("token=a&%74oken=b").is_err());
    }

    #[test]
    fn previews_are_cached_privately_for_the_tokens_life_at_most_an_hour() {
        let now = chrono::Utc::now().timestamp();
        let max_age = |expires| super::cache_control(expires).to_str().expect("ascii").to_owned();
        assert_eq!(max_age(now - 5), "private, max-age=0");
        assert_eq!(max_age(now + 7200), "private, max-age=3600");
        assert_eq!(max_age(now + 7200), "private, max-age=3600");
        let left = max_age(now + 600);
        assert!(
            ["private, max-age=600", "private, max-age=599"].contains(&left.as_str()),
            "{left}"
        );
    }
}
