//! Upload links, the visitor's side: the drop page (shown by `GET /s/{token}` for an upload
//! link) and `POST /s/{token}/upload`, a multipart body of `file` parts (an `uploader` part
//! first when the link sorts visitors into folders). The page works as a plain form; with
//! JavaScript it sends each file on its own with a progress bar. What one address may send
//! an hour is limited (`shares::upload_limit`: 429 with `Retry-After`). Neither the page nor any
//! answer names what is already in the folder: answers echo the names the visitor sent.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use futures_util::StreamExt;
use serde::Serialize;

use super::gate;
use crate::db;
use crate::error::AppError;
use crate::files::upload_name;
use crate::http::multipart::{self, Destination};
use crate::shares::{Grant, Operation, drop};
use crate::state::AppState;
use crate::web::i18n::{ShareUi, human_size};
use crate::web::{Locale, Nav, PageError, html};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/upload", web::post().to(upload));
}

#[derive(Template)]
#[template(path = "shares/drop.html")]
pub(super) struct DropPage {
    nav: Nav,
    s: &'static ShareUi,
    base: String,
    title: String,
    /// The link asks who is sending (their files go in a folder of that name).
    ask_name: bool,
    /// What arrived with the form just sent (name, size), to say thanks.
    received: Vec<(String, String)>,
}

pub(super) fn page(
    loc: &Locale,
    base: String,
    grant: &Grant,
    received: Vec<(String, String)>,
) -> DropPage {
    DropPage {
        nav: Nav::bare(loc),
        s: loc.lang.shares(),
        title: grant.share.label.clone().unwrap_or_else(|| grant.target.name.clone()),
        ask_name: grant.share.uploader_folders,
        received,
        base,
    }
}

#[derive(Serialize)]
struct Arrived {
    /// The name as sent (the folder may have stored it as `name (1)`: not the visitor's
    /// business, and saying so would tell them what else is there).
    name: String,
    size: i64,
}

#[derive(Serialize)]
struct Answer {
    received: Vec<Arrived>,
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// `POST /s/{token}/upload`: 201 `{received}` for JSON callers, the drop page with thanks
/// for a form; refusals as problem details or the error page.
async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    loc: Locale,
    token: web::Path<String>,
    mut payload: Multipart,
) -> Result<HttpResponse, actix_web::Error> {
    let base = format!("/s/{}", token.as_str());
    let json = wants_json(&req);
    let stored = async {
        let (grant, _) = gate(&req, &state, token.into_inner(), None, Operation::Upload).await?;
        // Before the body is read: a refused upload costs nothing to receive.
        let ip = crate::http::auth::client_ip(&req).unwrap_or_else(|| "unknown".into());
        state.upload_limiter.check(&ip, multipart::content_length(&req)).await?;
        let state = state.into_inner();
        let arrived = receive(&req, &state, &grant, &mut payload).await;
        Ok::<_, AppError>((grant, arrived.map_err(drop::for_visitor)?))
    };
    match stored.await {
        Ok((_, arrived)) if json => Ok(HttpResponse::Created().json(Answer { received: arrived })),
        Ok((grant, arrived)) => {
            let received =
                arrived.into_iter().map(|a| (a.name, human_size(loc.lang, a.size))).collect();
            Ok(html(HttpResponse::Ok(), &page(&loc, base, &grant, received))?)
        }
        // Apps get problem details; a form gets the page saying why, in the visitor's language.
        Err(e) if json => Err(e.into()),
        Err(e) => Err(PageError::App(e).into()),
    }
}

/// Stores every `file` part into the link's folder (or the visitor's subfolder of it).
async fn receive(
    req: &HttpRequest,
    state: &Arc<AppState>,
    grant: &Grant,
    payload: &mut Multipart,
) -> Result<Vec<Arrived>, AppError> {
    let owner = grant.share.owner_id.clone();
    let limits = multipart::precheck(state, &owner, multipart::content_length(req)).await?;
    let folder = grant.target.id.clone();
    let mut to = Destination::for_link(&owner, folder.clone(), limits, grant.share.id.clone());
    let mut uploader: Option<String> = None;
    let mut arrived = Vec::new();
    while let Some(field) = payload.next().await {
        let field = field.map_err(multipart::malformed)?;
        multipart::refuse_part_length(&field)?;
        let cd = field.content_disposition().cloned();
        match cd.as_ref().and_then(|cd| cd.get_name()).unwrap_or("") {
            "uploader" if grant.share.uploader_folders => {
                uploader = multipart::read_text(field, "uploader").await?;
            }
            "file" => {
                let name = cd
                    .as_ref()
                    .and_then(multipart::file_name)
                    .map(|n| upload_name(&n))
                    .unwrap_or_default();
                if grant.share.uploader_folders && to.folder.as_ref() == Some(&folder) {
                    to.folder = Some(visitor_folder(state, grant, uploader.as_deref()).await?);
                }
                let row = multipart::store_file(state, &mut to, name.clone(), field).await?;
                multipart::warm_thumbnail(state, &row);
                arrived.push(Arrived { name, size: row.size });
            }
            _ => multipart::skip(field).await?,
        }
    }
    if arrived.is_empty() {
        return Err(AppError::BadRequest("choose at least one file to send".into()));
    }
    Ok(arrived)
}

/// The visitor's folder inside the link's: named after them (made on their first file).
async fn visitor_folder(
    state: &AppState,
    grant: &Grant,
    uploader: Option<&str>,
) -> Result<crate::db::ids::FileId, AppError> {
    let Some(name) = uploader.map(str::to_owned) else {
        return Err(AppError::BadRequest(
            "this link asks for your name before the files: fill in the name field".into(),
        ));
    };
    let (owner, parent) = (grant.share.owner_id.clone(), grant.target.id.clone());
    let now = Utc::now().naive_utc();
    let folder = db::run(&state.db, move |conn| {
        crate::files::folder_named(conn, &owner, &parent, &name, now)
    })
    .await?;
    Ok(folder.id)
}
