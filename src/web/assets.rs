//! `/static/*`: the stylesheet, scripts and icons, embedded in the binary so one file runs
//! anywhere.

use actix_web::{HttpResponse, web};

/// `(name, content type, bytes)` of every static file.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("style.css", "text/css; charset=utf-8", include_bytes!("../../static/style.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
    ("files.js", "text/javascript; charset=utf-8", include_bytes!("../../static/files.js")),
    ("lightbox.js", "text/javascript; charset=utf-8", include_bytes!("../../static/lightbox.js")),
    ("upload.js", "text/javascript; charset=utf-8", include_bytes!("../../static/upload.js")),
    (
        "upload-tree.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/upload-tree.js"),
    ),
    ("folders.js", "text/javascript; charset=utf-8", include_bytes!("../../static/folders.js")),
    ("item-keys.js", "text/javascript; charset=utf-8", include_bytes!("../../static/item-keys.js")),
    ("more.js", "text/javascript; charset=utf-8", include_bytes!("../../static/more.js")),
    ("drop.js", "text/javascript; charset=utf-8", include_bytes!("../../static/drop.js")),
    // tus-js-client 4.3.1 (MIT, static/vendor/tus-js-client.LICENSE): resumable uploads.
    (
        "vendor/tus.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/tus.min.js"),
    ),
    ("icon.svg", "image/svg+xml", include_bytes!("../../static/icon.svg")),
    ("folder.svg", "image/svg+xml", include_bytes!("../../static/folder.svg")),
    ("empty.svg", "image/svg+xml", include_bytes!("../../static/empty.svg")),
    // File-type icons (`files::kind::Kind`), for listings and the file page.
    ("icons/folder.svg", "image/svg+xml", include_bytes!("../../static/icons/folder.svg")),
    ("icons/image.svg", "image/svg+xml", include_bytes!("../../static/icons/image.svg")),
    ("icons/video.svg", "image/svg+xml", include_bytes!("../../static/icons/video.svg")),
    ("icons/audio.svg", "image/svg+xml", include_bytes!("../../static/icons/audio.svg")),
    ("icons/pdf.svg", "image/svg+xml", include_bytes!("../../static/icons/pdf.svg")),
    ("icons/text.svg", "image/svg+xml", include_bytes!("../../static/icons/text.svg")),
    ("icons/archive.svg", "image/svg+xml", include_bytes!("../../static/icons/archive.svg")),
    ("icons/document.svg", "image/svg+xml", include_bytes!("../../static/icons/document.svg")),
    (
        "icons/spreadsheet.svg",
        "image/svg+xml",
        include_bytes!("../../static/icons/spreadsheet.svg"),
    ),
    ("icons/file.svg", "image/svg+xml", include_bytes!("../../static/icons/file.svg")),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    for &(name, content_type, body) in ASSETS {
        cfg.route(
            &format!("/static/{name}"),
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type(content_type)
                    .insert_header(("Cache-Control", "public, max-age=3600"))
                    .body(body)
            }),
        );
    }
}
