//! `/static/*`: the stylesheet, embedded in the binary so one file runs anywhere.

use actix_web::{HttpResponse, web};

const STYLE_CSS: &str = include_str!("../../static/style.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/style.css", web::get().to(style));
}

/// `GET /static/style.css`
async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLE_CSS)
}
