//! Compression: pages, JSON and problems come brotli- or gzip-compressed as the client asks
//! (and decode to the same thing); a file's bytes never do (downloads, previews, ranges), so
//! they stay exactly the stored bytes.

use std::io::Read;

use actix_web::test::TestRequest;

use crate::files::{FilesApi, content_req, id_of};
use crate::helpers::{Resp, spawn_app};

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body).read_to_end(&mut out).expect("gzip");
    out
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(body, 4096).read_to_end(&mut out).expect("brotli");
    out
}

fn encoding(r: &Resp) -> Option<&str> {
    r.header("content-encoding")
}

#[actix_web::test]
async fn pages_and_json_are_compressed_and_file_bytes_never_are() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bearer = format!("Bearer {}", alice.token);
    let text = "a text file, repeated. ".repeat(200);
    let id = id_of(&app.upload(&alice.token, "notes.txt", text.as_bytes()).await);

    let listing = |enc: &'static str| {
        TestRequest::get()
            .uri("/api/v1/files")
            .insert_header(("Authorization", bearer.clone()))
            .insert_header(("Accept-Encoding", enc))
    };
    let plain = app.send(listing("identity")).await;
    assert_eq!(encoding(&plain), None);
    let br = app.send(listing("gzip, deflate, br")).await;
    assert_eq!(encoding(&br), Some("br"));
    assert!(br.header("vary").is_some_and(|v| v.contains("accept-encoding")));
    assert_eq!(unbrotli(&br.body), plain.body.to_vec(), "the same JSON once decoded");
    let gz = app.send(listing("gzip")).await;
    assert_eq!(encoding(&gz), Some("gzip"));
    assert_eq!(gunzip(&gz.body), plain.body.to_vec());

    // A page, and a problem.
    let page =
        app.send(TestRequest::get().uri("/login").insert_header(("Accept-Encoding", "gzip"))).await;
    assert_eq!(page.status, 200);
    assert_eq!(encoding(&page), Some("gzip"));
    assert!(String::from_utf8(gunzip(&page.body)).expect("UTF-8").contains("<form"));
    let problem = app
        .send(TestRequest::get().uri("/api/v1/me").insert_header(("Accept-Encoding", "gzip")))
        .await;
    assert_eq!(problem.status, 401);
    assert_eq!(encoding(&problem), Some("gzip"), "even a problem");

    // The file's bytes: whole, ranged, and as a preview, never compressed.
    let download = app
        .send(content_req(&alice.token, &id).insert_header(("Accept-Encoding", "gzip, br")))
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(encoding(&download), None);
    assert_eq!(download.body.to_vec(), text.as_bytes());
    let range = app
        .send(
            content_req(&alice.token, &id)
                .insert_header(("Accept-Encoding", "gzip"))
                .insert_header(("Range", "bytes=10-19")),
        )
        .await;
    assert_eq!(range.status, 206);
    assert_eq!(encoding(&range), None);
    assert_eq!(range.body.to_vec(), &text.as_bytes()[10..20]);
}
