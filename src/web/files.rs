//! `/files`: the file browser (a placeholder until the files issue lands).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::state::AppState;
use crate::web::{Nav, PageError, PageUser, html, human_bytes};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/files", web::get().to(files_page));
}

#[derive(Template)]
#[template(path = "files.html")]
struct FilesPage {
    nav: Nav,
    storage_used: String,
    quota: String,
}

/// `GET /files`
async fn files_page(state: web::Data<AppState>, me: PageUser) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let page = FilesPage {
        nav: Nav::user(&state, &me),
        storage_used: human_bytes(me.user.storage_used),
        quota: human_bytes(me.user.quota),
    };
    html(HttpResponse::Ok(), &page)
}
