//! An app password limited to one folder: every file route sees that folder and what is
//! inside it, and nothing else (404, like another user's file).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::app_passwords::{bearer, call, create, token_of, upload};
use crate::files::{id_of, png_1x1};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_folder_confines_every_file_route() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let owner = bearer(&alice.token);
    let mk = |name: &str, parent: Option<String>| {
        call(
            &app,
            Method::POST,
            "/api/v1/folders",
            &owner,
            Some(json!({ "name": name, "folder": parent })),
        )
    };
    let photos = id_of(&mk("Photos", None).await.json());
    let private = id_of(&mk("Private", None).await.json());
    let inside = id_of(
        &app.send(upload(&format!("/api/v1/files?folder={photos}"), &owner, "in.png", &png_1x1()))
            .await
            .json()["items"][0],
    );
    let outside = id_of(
        &app.send(upload(
            &format!("/api/v1/files?folder={private}"),
            &owner,
            "secret.png",
            &png_1x1(),
        ))
        .await
        .json()["items"][0],
    );
    for id in [&inside, &outside] {
        call(&app, Method::PUT, &format!("/api/v1/files/{id}/star"), &owner, None).await;
    }
    let phone = bearer(&token_of(
        &create(&app, &alice, json!({ "name": "phone", "folder": photos })).await,
    ));

    // The top level of a confined password is its folder, and its path starts there.
    let r = call(&app, Method::GET, "/api/v1/files", &phone, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let listing = r.json();
    assert_eq!(listing["items"][0]["name"], "in.png");
    assert_eq!(listing["path"].as_array().map(Vec::len), Some(1));

    // Everything about the other folder, or its file, is missing.
    let o = &outside;
    let refused: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/files?folder={private}"), None),
        (Method::GET, format!("/api/v1/files/{o}"), None),
        (Method::GET, format!("/api/v1/files/{o}/content"), None),
        (Method::POST, format!("/api/v1/files/{o}/preview-url"), None),
        (Method::PATCH, format!("/api/v1/files/{o}"), Some(json!({ "name": "x.png" }))),
        (Method::DELETE, format!("/api/v1/files/{o}"), None),
        (Method::PUT, format!("/api/v1/files/{o}/star"), None),
        (Method::POST, format!("/api/v1/files/{o}/copy"), Some(json!({ "folder": photos }))),
        (Method::GET, format!("/api/v1/files/{private}/zip"), None),
        (Method::POST, "/api/v1/archives".into(), Some(json!({ "ids": [o] }))),
        (Method::GET, format!("/api/v1/search?q=secret&folder={private}"), None),
        (Method::POST, "/api/v1/folders".into(), Some(json!({ "name": "n", "folder": private }))),
        (Method::PATCH, format!("/api/v1/files/{inside}"), Some(json!({ "folder": private }))),
        (Method::POST, format!("/api/v1/files/{inside}/copy"), Some(json!({ "folder": private }))),
        (Method::POST, "/api/v1/files/batch".into(), Some(json!({ "op": "trash", "ids": [o] }))),
        (
            Method::POST,
            "/api/v1/files/batch".into(),
            Some(json!({ "op": "move", "ids": [inside], "folder": private })),
        ),
        // The folder itself cannot be renamed, moved or deleted through it.
        (Method::PATCH, format!("/api/v1/files/{photos}"), Some(json!({ "name": "P" }))),
        (Method::DELETE, format!("/api/v1/files/{photos}"), None),
        (Method::GET, format!("/preview/{o}?size=sm"), None),
    ];
    for (method, uri, body) in refused {
        let r = call(&app, method.clone(), &uri, &phone, body).await;
        assert_eq!(r.status, 404, "{method} {uri}: {}", r.text());
    }
    let r =
        app.send(upload(&format!("/api/v1/files?folder={private}"), &phone, "x.bin", b"x")).await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r = call(&app, Method::GET, "/api/v1/trash", &phone, None).await;
    assert_eq!(r.status, 403, "{}", r.text());

    // Lists and searches hold only what is inside; paths start at the folder.
    for uri in ["/api/v1/starred", "/api/v1/recent", "/api/v1/search?q=png"] {
        let r = call(&app, Method::GET, uri, &phone, None).await;
        let names: Vec<_> = r.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("in.png")], "{uri}");
    }
    let hit = call(&app, Method::GET, "/api/v1/search?q=in.png", &phone, None).await.json();
    assert_eq!(hit["items"][0]["path"], "/");

    // What it may do lands inside: an upload and a folder without a folder, a copy.
    let r = app.send(upload("/api/v1/files", &phone, "new.bin", b"new")).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["items"][0]["folder"], json!(photos));
    let r =
        call(&app, Method::POST, "/api/v1/folders", &phone, Some(json!({ "name": "sub" }))).await;
    assert_eq!(r.json()["folder"], json!(photos));
    for uri in [
        format!("/api/v1/files/{inside}/content"),
        format!("/preview/{inside}?size=sm"),
        format!("/api/v1/files/{photos}/zip"),
    ] {
        let r = call(&app, Method::GET, &uri, &phone, None).await;
        assert_eq!(r.status, 200, "{uri}: {}", r.text());
    }
    // The owner still sees everything.
    let r = call(&app, Method::GET, &format!("/api/v1/files/{outside}"), &owner, None).await;
    assert_eq!(r.status, 200);
}
