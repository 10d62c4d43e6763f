//! WebDAV at `/dav/` (class 1 and 2): the caller's root folder, or the folder their app
//! password is confined to, for rclone, Finder, Windows, davfs2 and phone apps.
//!
//! The protocol (XML, PROPFIND, COPY/MOVE, If headers, lock discovery) is dav-server's; what
//! it works on is homedisk's: [`fs`] resolves paths through the folder tree in the database
//! and calls the domain (`files::`) as the API does, [`file`] streams PUTs through the upload
//! path, [`locks`] and [`props`] keep locks and dead properties in the database. This module
//! is the adapter: authentication ([`auth`]), the few things dav-server does differently from
//! homedisk's contract (unauthenticated OPTIONS, Depth: infinity refused, names refused with a
//! reason, `X-OC-Mtime`), and building a handler per request for its caller.

pub mod auth;
pub mod file;
pub mod fs;
pub mod lock_rules;
pub mod locks;
pub mod meta;
pub mod paths;
pub mod props;

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use chrono::NaiveDateTime;
use dav_server::actix::{DavRequest, DavResponse};
use dav_server::davpath::DavPath;
use dav_server::{DavHandler, DavMethodSet};

use crate::error::AppError;
use crate::http::auth::CurrentUser;
use crate::state::AppState;

use self::fs::{Ctx, HomeFs};
use self::locks::{DbLocks, PREFIX};
use self::paths::Mount;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope(PREFIX).default_service(web::to(handle)));
}

/// `/dav/{path}`, every method: OPTIONS without credentials, else authenticated and handed to
/// dav-server.
async fn handle(req: HttpRequest, dav: DavRequest, state: web::Data<AppState>) -> HttpResponse {
    if req.method() == Method::OPTIONS && req.headers().get(header::AUTHORIZATION).is_none() {
        // Windows' WebClient asks this before it sends any credentials.
        return options();
    }
    let current = match auth::caller(&req, &state).await {
        Ok(current) => current,
        Err(e) => return refusal(e),
    };
    if let Some(refused) = refuse_early(&req) {
        return refused;
    }
    let mtime = client_mtime(&req);
    let handler = handler_for(&state, &current, mtime, req.method().as_str());
    let answer = handler.handle(dav.request).await;
    let mut resp = DavResponse::from(answer).respond_to(&req);
    if mtime.is_some() && req.method() == Method::PUT && resp.status().is_success() {
        resp.headers_mut().insert(
            header::HeaderName::from_static("x-oc-mtime"),
            HeaderValue::from_static("accepted"),
        );
    }
    resp
}

/// The answer to an unauthenticated OPTIONS.
fn options() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("DAV", "1, 2"))
        .insert_header(("MS-Author-Via", "DAV"))
        .insert_header((
            header::ALLOW,
            "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK",
        ))
        .finish()
}

/// An authentication or scope refusal, rendered as everywhere (`AppError`), with the Basic
/// challenge WebDAV clients understand instead of the API's Bearer one.
fn refusal(e: AppError) -> HttpResponse {
    let mut resp = actix_web::ResponseError::error_response(&e);
    if resp.status() == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(auth::CHALLENGE));
    }
    resp
}

/// What homedisk refuses before dav-server sees the request: PROPFIND with `Depth: infinity`
/// (403 `propfind-finite-depth`, as RFC 4918 allows: one request must not walk a whole
/// account), and a new name homedisk would refuse anywhere (400 with the reason).
fn refuse_early(req: &HttpRequest) -> Option<HttpResponse> {
    let method = req.method().as_str();
    let depth = req.headers().get("depth").and_then(|v| v.to_str().ok()).unwrap_or("");
    if method == "PROPFIND" && depth.eq_ignore_ascii_case("infinity") {
        return Some(
            HttpResponse::Forbidden().content_type("application/xml; charset=utf-8").body(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                 <D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n",
            ),
        );
    }
    // `/dav/../x` names something outside the mount: refused here, as dav-server would answer
    // it with a 502.
    // (DavPath::new decodes and resolves `.` and `..`; from_uri would do neither.)
    let inside = DavPath::new(req.path()).ok().is_some_and(|p| {
        let full = p.as_bytes();
        full == PREFIX.as_bytes() || full.starts_with(format!("{PREFIX}/").as_bytes())
    });
    if !inside {
        return Some(
            HttpResponse::BadRequest()
                .content_type("text/plain; charset=utf-8")
                .body("this path is not valid below /dav/\n"),
        );
    }
    let new_name = match method {
        "PUT" | "MKCOL" => DavPath::new(req.path()).ok()?.file_name().map(str::to_owned),
        "MOVE" | "COPY" => {
            let dest = req.headers().get("destination")?.to_str().ok()?;
            let uri: http::Uri = dest.parse().ok()?;
            DavPath::new(uri.path()).ok()?.file_name().map(str::to_owned)
        }
        _ => None,
    }?;
    if paths::is_mac_junk(&new_name) {
        return None;
    }
    let problem = crate::files::name_problem(&new_name)?;
    Some(
        HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(format!("this name cannot be used: it {problem}\n")),
    )
}

/// `X-OC-Mtime` (seconds since 1970, as ownCloud clients and rclone send it).
fn client_mtime(req: &HttpRequest) -> Option<NaiveDateTime> {
    let raw = req.headers().get("x-oc-mtime")?.to_str().ok()?.trim();
    let secs: f64 = raw.parse().ok().filter(|s: &f64| s.is_finite() && *s >= 0.0)?;
    chrono::DateTime::from_timestamp(secs.trunc() as i64, (secs.fract() * 1e9) as u32)
        .map(|t| t.naive_utc())
}

/// dav-server over this caller's mount.
fn handler_for(
    state: &AppState,
    current: &CurrentUser,
    mtime: Option<NaiveDateTime>,
    method: &str,
) -> DavHandler {
    let reads_only = matches!(method, "PROPFIND" | "GET" | "HEAD");
    let mount = Mount { owner: current.user.id.clone(), root: current.folder.clone() };
    let ctx = Ctx {
        db: state.db.clone(),
        storage: state.storage.clone(),
        thumbs: state.thumbs.clone(),
        mount: mount.clone(),
        max_file_bytes: state.config.max_upload_bytes,
        mtime,
        whole_tree_delete: method == "DELETE",
        seen: reads_only.then(Default::default),
        keep_mac_files: current.keep_mac_files,
    };
    DavHandler::builder()
        .filesystem(Box::new(HomeFs(Arc::new(ctx))))
        .locksystem(Box::new(DbLocks::new(state.db.clone(), mount)))
        .strip_prefix(PREFIX)
        .principal(current.user.username.clone())
        .methods(DavMethodSet::WEBDAV_RW)
        .read_buf_size(256 * 1024)
        .build_handler()
}
