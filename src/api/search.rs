//! `/api/v1/search`: the caller's live files and folders whose names contain a text.

use actix_web::web;

use crate::api::files::with_previews;
use crate::api::views::{SearchItem, SearchPage};
use crate::db;
use crate::error::AppError;
use crate::files::search::{self, Params};
use crate::http::auth::FilesReader;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(search_files));
}

/// `GET /api/v1/search?q=&type=image|video|audio|document|folder&folder=ID&limit=&cursor=`
async fn search_files(
    state: web::Data<AppState>,
    me: FilesReader,
    params: web::Query<Params>,
) -> Result<web::Json<SearchPage>, AppError> {
    let search = search::parse(&params)?;
    let owner = me.user.id.clone();
    let page = db::run(&state.db, move |conn| search::run(conn, &owner, &search)).await?;
    let rows: Vec<_> = page.hits.iter().map(|h| h.row.clone()).collect();
    let items = with_previews(&state, &me, &rows)?
        .into_iter()
        .zip(&page.hits)
        .map(|(item, hit)| SearchItem { item, path: hit.path.clone() })
        .collect();
    Ok(web::Json(SearchPage { items, next_cursor: page.next_cursor }))
}
