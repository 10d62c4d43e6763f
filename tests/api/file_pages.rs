//! The `/files` pages: form upload (no JavaScript), browsing, folders, rename, move, delete.

use actix_web::test::TestRequest;

use crate::helpers::{PASSWORD, csrf_in, session_cookie, spawn_app};

const BOUNDARY: &str = "homedisk-page-test-boundary";

/// A multipart body: text fields first, then files.
fn form_body(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (filename, bytes) in files {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn multipart(uri: &str, session: &str, body: Vec<u8>) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .cookie(session_cookie(session))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body)
}

#[actix_web::test]
async fn the_upload_form_works_without_javascript_and_the_file_is_listed() {
    let app = spawn_app().await;
    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/files", &session).await;
    let body = form_body(
        &[("csrf_token", &csrf)],
        &[("notes.txt", b"hello from the form"), ("second.txt", b"two")],
    );
    let r = app.send(multipart("/files/upload", &session, body)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/files?notice=uploaded"));
    let page = app
        .send(TestRequest::get().uri("/files?notice=uploaded").cookie(session_cookie(&session)))
        .await
        .text();
    assert!(page.contains("notes.txt") && page.contains("second.txt"), "{page}");
    assert!(page.contains("Upload complete"));
}

#[actix_web::test]
async fn the_upload_form_needs_its_csrf_token_first() {
    let app = spawn_app().await;
    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    for body in [
        form_body(&[], &[("x.txt", b"no token")]),
        form_body(&[("csrf_token", "forged")], &[("x.txt", b"bad token")]),
    ] {
        let r = app.send(multipart("/files/upload", &session, body)).await;
        assert_eq!(r.status, 403);
    }
    let listing = app
        .send(TestRequest::get().uri("/api/v1/files").cookie(session_cookie(&session)))
        .await
        .json();
    assert_eq!(listing["items"].as_array().map(Vec::len), Some(0), "nothing was stored");
    assert_eq!(std::fs::read_dir(app.state.config.data_dir.join("tmp")).expect("tmp").count(), 0);
}

#[actix_web::test]
async fn folders_breadcrumbs_rename_move_and_delete_through_the_pages() {
    let app = spawn_app().await;
    app.register("alice").await;
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/files", &session).await;
    let post = |uri: &str, form: Vec<(&str, String)>| {
        TestRequest::post().uri(uri).cookie(session_cookie(&session)).set_form(form)
    };

    // New folder "Photos" at the top, then "2026" inside it.
    let r = app
        .send(post("/files/folders", vec![("name", "Photos".into()), ("csrf_token", csrf.clone())]))
        .await;
    assert_eq!(r.status, 303);
    let root = app
        .send(TestRequest::get().uri("/api/v1/files").cookie(session_cookie(&session)))
        .await
        .json();
    let photos = root["items"][0]["id"].as_str().expect("folder id").to_owned();
    let r = app
        .send(post(
            "/files/folders",
            vec![("name", "2026".into()), ("folder", photos.clone()), ("csrf_token", csrf.clone())],
        ))
        .await;
    assert_eq!(
        r.header("location"),
        Some(format!("/files?folder={photos}&notice=folder").as_str())
    );
    let dup = app
        .send(post("/files/folders", vec![("name", "Photos".into()), ("csrf_token", csrf.clone())]))
        .await;
    assert_eq!(dup.status, 422, "a duplicate folder name is refused, next to the field");

    // Upload into Photos, see the breadcrumbs on the file's page.
    let body = form_body(&[("csrf_token", &csrf)], &[("cat.txt", b"meow")]);
    let r = app.send(multipart(&format!("/files/upload?folder={photos}"), &session, body)).await;
    assert_eq!(r.status, 303);
    let inside = app
        .send(
            TestRequest::get()
                .uri(&format!("/api/v1/files?folder={photos}"))
                .cookie(session_cookie(&session)),
        )
        .await
        .json();
    let cat = inside["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "cat.txt")
        .expect("cat")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let page = app
        .send(TestRequest::get().uri(&format!("/files/{cat}")).cookie(session_cookie(&session)))
        .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains(&format!("/files?folder={photos}")) && html.contains("Photos"),
        "breadcrumbs: {html}"
    );
    assert!(html.contains(&format!("/api/v1/files/{cat}/content")), "download link");

    // Rename: a bad name is shown inline, a good one sticks.
    let r = app
        .send(post(
            &format!("/files/{cat}/rename"),
            vec![("name", "a/b".into()), ("csrf_token", csrf.clone())],
        ))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("must not contain"), "{}", r.text());
    let r = app
        .send(post(
            &format!("/files/{cat}/rename"),
            vec![("name", "kitten.txt".into()), ("csrf_token", csrf.clone())],
        ))
        .await;
    assert_eq!(r.status, 303);

    // Move to the top level; moving Photos into itself is refused.
    let r = app
        .send(post(
            &format!("/files/{cat}/move"),
            vec![("folder", String::new()), ("csrf_token", csrf.clone())],
        ))
        .await;
    assert_eq!(r.status, 303);
    let root = app
        .send(TestRequest::get().uri("/api/v1/files").cookie(session_cookie(&session)))
        .await
        .json();
    assert!(root["items"].as_array().expect("items").iter().any(|i| i["name"] == "kitten.txt"));
    let r = app
        .send(post(
            &format!("/files/{photos}/move"),
            vec![("folder", photos.clone()), ("csrf_token", csrf.clone())],
        ))
        .await;
    assert_eq!(r.status, 400);

    // Delete asks first, naming what will be lost; confirmed, the folder and its contents go.
    let r = app
        .send(post(&format!("/files/{photos}/delete"), vec![("csrf_token", csrf.clone())]))
        .await;
    assert_eq!(r.status, 200);
    let confirm = r.text();
    assert!(confirm.contains("Photos") && confirm.contains("everything in it"), "{confirm}");
    let r = app
        .send(post(
            &format!("/files/{photos}/delete"),
            vec![("csrf_token", csrf_in(&confirm)), ("confirmed", "yes".into())],
        ))
        .await;
    assert_eq!(r.status, 303);
    let root = app
        .send(TestRequest::get().uri("/api/v1/files").cookie(session_cookie(&session)))
        .await
        .json();
    let names: Vec<_> =
        root["items"].as_array().expect("items").iter().map(|i| i["name"].clone()).collect();
    assert_eq!(names, vec![serde_json::json!("kitten.txt")]);
}

#[actix_web::test]
async fn another_users_file_page_is_404() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.register("bob").await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/folders")
                .insert_header(("Authorization", format!("Bearer {}", alice.token)))
                .set_json(serde_json::json!({ "name": "private" })),
        )
        .await;
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let bob = app.web_login("bob", PASSWORD).await;
    for uri in [format!("/files/{id}"), format!("/files?folder={id}")] {
        let r = app.send(TestRequest::get().uri(&uri).cookie(session_cookie(&bob))).await;
        assert_eq!(r.status, 404, "{uri}");
    }
    let csrf = app.page_csrf("/files", &bob).await;
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/files/{id}/delete"))
                .cookie(session_cookie(&bob))
                .set_form([("csrf_token", csrf.as_str()), ("confirmed", "yes")]),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await.status, 200);
}
