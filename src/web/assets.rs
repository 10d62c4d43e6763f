//! `/static/*`: the stylesheet and script, embedded in the binary so one file runs anywhere.

use actix_web::{HttpResponse, web};

const STYLE_CSS: &str = include_str!("../../static/style.css");
const FILES_JS: &str = include_str!("../../static/files.js");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/style.css", web::get().to(style))
        .route("/static/files.js", web::get().to(files_js));
}

/// `GET /static/style.css`
async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLE_CSS)
}

/// `GET /static/files.js`
async fn files_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(FILES_JS)
}
