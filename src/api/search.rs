//! `/api/v1/search`: the caller's live files and folders whose names contain a text.

use crate::api::endpoint::Endpoint;
use actix_web::web;

use crate::api::confine;
use crate::api::files::{with_photos, with_previews};
use crate::api::views::{SearchItem, SearchPage};
use crate::db;
use crate::error::AppError;
use crate::files::search::{self, Params};
use crate::http::auth::FilesReader;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/search").get(search_files));
}

/// `GET /api/v1/search?q=&type=image|video|audio|document|folder&folder=ID&limit=&cursor=`
#[utoipa::path(get, path = "/api/v1/search", tag = "files", params(Params), responses((status = 200, description = "A page of hits", body = SearchPage)))]
async fn search_files(
    state: web::Data<AppState>,
    me: FilesReader,
    params: web::Query<Params>,
) -> Result<web::Json<SearchPage>, AppError> {
    let mut search = search::parse(&params)?;
    search.folder = confine::folder(&state, &me, search.folder.take()).await?;
    let (owner, root) = (me.user.id.clone(), me.folder.clone());
    let (mut page, above) = db::run(&state.db, move |conn| {
        let page = search::run(conn, &owner, &search)?;
        Ok((page, search::path_above(conn, &owner, root.as_ref())?))
    })
    .await?;
    // A confined caller's paths start at its own folder: the names above it are not its own.
    if let Some(above) = above {
        for hit in &mut page.hits {
            let inner = hit.path.strip_prefix(&above).unwrap_or("");
            hit.path = if inner.is_empty() { "/".to_owned() } else { inner.to_owned() };
        }
    }
    let rows: Vec<_> = page.hits.iter().map(|h| h.row.clone()).collect();
    let items = with_photos(&state, &rows, with_previews(&state, &me, &rows)?)
        .await?
        .into_iter()
        .zip(&page.hits)
        .map(|(item, hit)| SearchItem { item, path: hit.path.clone() })
        .collect();
    Ok(web::Json(SearchPage { items, next_cursor: page.next_cursor }))
}
