//! The file page's viewers without a browser: `GET /files/{id}/inline` (owner only, Range, the
//! headers that keep content inert) and the text viewer (escaped, lines, truncation, binary).
//! The browser side is in `browser/viewers.rs`.

use actix_web::test::TestRequest;

use crate::files::FilesApi;
use crate::helpers::{PASSWORD, Resp, session_cookie, spawn_app};

/// A small valid PDF (one page saying `text`), offsets in its cross-reference table computed.
pub fn tiny_pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 24 Tf 40 100 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for at in offsets {
        pdf.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// One second of silence as a 8 kHz mono WAV file.
pub fn tiny_wav() -> Vec<u8> {
    let samples = vec![0u8; 8000];
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&8u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    wav.extend_from_slice(&samples);
    wav
}

/// The start of an MP4 (its `ftyp` box): enough for the sniffer to call it `video/mp4`.
const MP4_HEAD: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free";

fn inline(id: &str, session: &str) -> TestRequest {
    TestRequest::get().uri(&format!("/files/{id}/inline")).cookie(session_cookie(session))
}

fn assert_inert(r: &Resp) {
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.starts_with("sandbox") && csp.contains("default-src 'none'"), "{csp}");
}

#[actix_web::test]
async fn pdf_audio_and_video_go_inline_with_their_type_and_the_sandbox() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let pdf = tiny_pdf("hello");
    let mut mp4 = MP4_HEAD.to_vec();
    mp4.extend_from_slice(&[0; 64]);
    for (name, bytes, mime) in [
        ("paper.pdf", pdf, "application/pdf"),
        ("quiet.wav", tiny_wav(), "audio/x-wav"),
        ("clip.mp4", mp4, "video/mp4"),
    ] {
        let id =
            app.upload(&alice.token, name, &bytes).await["id"].as_str().expect("id").to_owned();
        let r = app.send(inline(&id, &session)).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_eq!(r.header("content-type"), Some(mime), "{name}");
        assert!(
            r.header("content-disposition").unwrap_or_default().starts_with("inline"),
            "{name}"
        );
        assert_eq!(r.body, bytes, "{name}");
        assert_inert(&r);
        let csp = r.header("content-security-policy").unwrap_or_default();
        if mime == "application/pdf" {
            // Framed by our own pages only; still a sandbox without same-origin.
            assert!(csp.contains("frame-ancestors 'self'") && !csp.contains("allow-same-origin"));
            assert_eq!(r.header("x-frame-options"), Some("SAMEORIGIN"));
        } else {
            assert_eq!(r.header("x-frame-options"), Some("DENY"), "{name}");
        }
    }
}

#[actix_web::test]
async fn active_content_through_the_inline_route_stays_an_attachment() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    for (name, bytes) in [
        ("page.html", &b"<!doctype html><script>alert(1)</script>"[..]),
        ("logo.svg", &b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"[..]),
        ("page.pdf.html", &b"<html><body>not a pdf</body></html>"[..]),
    ] {
        let id = app.upload(&alice.token, name, bytes).await["id"].as_str().expect("id").to_owned();
        let r = app.send(inline(&id, &session)).await;
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.header("content-type"), Some("application/octet-stream"), "{name}");
        assert!(r.header("content-disposition").unwrap_or_default().starts_with("attachment"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{name}");
        assert_inert(&r);
    }
}

#[actix_web::test]
async fn the_inline_route_serves_ranges_for_media_players() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let wav = tiny_wav();
    let id =
        app.upload(&alice.token, "quiet.wav", &wav).await["id"].as_str().expect("id").to_owned();
    let r = app.send(inline(&id, &session).insert_header(("range", "bytes=4-11"))).await;
    assert_eq!(r.status, 206, "{}", r.text());
    assert_eq!(r.header("content-range"), Some(format!("bytes 4-11/{}", wav.len()).as_str()));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-type"), Some("audio/x-wav"));
    assert_eq!(r.body, wav[4..12]);
    let head = app
        .send(
            TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri(&format!("/files/{id}/inline"))
                .cookie(session_cookie(&session)),
        )
        .await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(wav.len().to_string().as_str()));
    let r = app.send(inline(&id, &session).insert_header(("range", "bytes=99999-"))).await;
    assert_eq!(r.status, 416);
}

#[actix_web::test]
async fn only_the_owner_can_view_a_file_inline() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.register("bob").await;
    let bob = app.web_login("bob", PASSWORD).await;
    let id = app.upload(&alice.token, "paper.pdf", &tiny_pdf("mine")).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = app.send(inline(&id, &bob)).await;
    assert_eq!(r.status, 404, "another user's file is not found");
    assert!(!r.body.starts_with(b"%PDF"));
    let r = app.send(inline("no-such-id", &bob)).await;
    assert_eq!(r.status, 404);
    // No session: to the login page, nothing sent.
    let r = app.send(TestRequest::get().uri(&format!("/files/{id}/inline"))).await;
    assert!(r.status == 303 || r.status == 302, "{}", r.status);
    assert!(!r.body.starts_with(b"%PDF"));
    // A bearer token is not a page session: the cookie is the only credential here.
    let r = app
        .send(
            TestRequest::get()
                .uri(&format!("/files/{id}/inline"))
                .insert_header(("authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert!(!r.body.starts_with(b"%PDF"), "{}", r.status);
}

async fn page(app: &impl FilesApiPage, id: &str, session: &str) -> String {
    app.file_page(id, session).await
}

/// The file page as HTML.
trait FilesApiPage {
    async fn file_page(&self, id: &str, session: &str) -> String;
}

impl<S, B> FilesApiPage for crate::helpers::TestApp<S>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    async fn file_page(&self, id: &str, session: &str) -> String {
        let r = self
            .send(TestRequest::get().uri(&format!("/files/{id}")).cookie(session_cookie(session)))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    }
}

#[actix_web::test]
async fn the_text_viewer_escapes_numbers_lines_and_says_when_it_is_cut() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let text = "first line\n<script>alert('x')</script>\ncafé \u{4E2D}\n";
    let id = app.upload(&alice.token, "notes.txt", text.as_bytes()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let html = page(&app, &id, &session).await;
    assert!(
        html.contains("<li>&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;</li>"),
        "escaped: {html}"
    );
    assert!(!html.contains("<script>alert"), "never raw");
    assert!(html.contains("<li>first line</li>") && html.contains("café 中"));
    assert!(!html.contains("id=\"text-truncated\""), "whole file shown");

    // Longer than a MiB: the beginning and a note.
    let big = "0123456789abcdef\n".repeat(70_000);
    let id = app.upload(&alice.token, "big.log", big.as_bytes()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let html = page(&app, &id, &session).await;
    assert!(html.contains("id=\"text-truncated\""), "the note");
    assert_eq!(html.matches("<li>0123456789abcdef</li>").count(), 10_000, "the line limit");

    // Not text: no preview, an icon.
    let id = app.upload(&alice.token, "blob.bin", &[0u8, 1, 2, 3, 255, 0, 7]).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let html = page(&app, &id, &session).await;
    assert!(html.contains("id=\"no-preview\"") && !html.contains("id=\"text-viewer\""));
    assert!(html.contains("/static/icons/file.svg"));
}

#[actix_web::test]
async fn every_file_type_icon_is_served_as_svg() {
    let app = spawn_app().await;
    for kind in homedisk::files::kind::Kind::ALL {
        let path = format!("/static/icons/{}.svg", kind.as_str());
        let r = app.send(TestRequest::get().uri(&path)).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some("image/svg+xml"), "{path}");
        assert!(r.text().starts_with("<svg"), "{path}");
    }
}

#[actix_web::test]
async fn listings_search_and_trash_show_file_type_icons() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    app.upload(&alice.token, "paper.pdf", &tiny_pdf("x")).await;
    app.upload(&alice.token, "song.wav", &tiny_wav()).await;
    app.upload(&alice.token, "sheet.csv", b"a,b\n1,2\n").await;
    app.mkdir(&alice.token, "Docs", None).await;
    let get = |path: &str| TestRequest::get().uri(path).cookie(session_cookie(&session));
    let listing = app.send(get("/files")).await.text();
    for icon in ["pdf", "audio", "spreadsheet", "folder"] {
        assert!(listing.contains(&format!("/static/icons/{icon}.svg")), "{icon} in the listing");
    }
    assert!(!listing.contains("file-ext"), "no text badges");
    let search = app.send(get("/search?q=paper")).await.text();
    assert!(search.contains("/static/icons/pdf.svg"), "search");
    let trashed =
        app.upload(&alice.token, "old.txt", b"gone").await["id"].as_str().expect("id").to_owned();
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/files/{trashed}"))
                .insert_header(("authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert_eq!(r.status, 204);
    let trash = app.send(get("/trash")).await.text();
    assert!(trash.contains("/static/icons/text.svg"), "trash");
}
