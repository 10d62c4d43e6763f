//! The trash: a delete hides the item and its subtree everywhere, keeps the bytes counted,
//! and can be undone by id; purges, emptying and the retention job give the space back.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::files::{FilesApi, id_of, png_1x1, pseudo_random};
use crate::helpers::{Resp, TestApp, spawn_app, spawn_with};

/// Requests the trash tests send, as one user.
pub(crate) trait Calls {
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp;
    async fn ok(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Value;
    async fn trash(&self, token: &str) -> Value;
}

impl<S, B> Calls for TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
        let req = TestRequest::default()
            .method(method)
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {token}")));
        self.send(match body {
            Some(b) => req.set_json(b),
            None => req,
        })
        .await
    }

    /// The call, which must succeed (2xx); its JSON body, or null.
    async fn ok(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
        let r = self.call(method.clone(), path, token, body).await;
        assert!(r.status.is_success(), "{method} {path}: {} {}", r.status, r.text());
        if r.body.is_empty() { Value::Null } else { r.json() }
    }

    async fn trash(&self, token: &str) -> Value {
        self.ok(Method::GET, "/api/v1/trash", token, None).await
    }
}

/// The `name` of each of `items.items`.
pub(crate) fn names(items: &Value) -> Vec<&str> {
    items["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect()
}

#[actix_web::test]
async fn a_trashed_file_is_invisible_everywhere_and_comes_back_by_id_after_its_folder_is_renamed() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let photos = app.mkdir(t, "Photos", None).await;
    let r = app
        .send(
            crate::files::upload_req(t, "cat.png", &png_1x1())
                .uri(&format!("/api/v1/files?folder={photos}")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cat = id_of(&r.json()["items"][0]);
    app.ok(Method::PUT, &format!("/api/v1/files/{cat}/star"), t, None).await;
    let minted = app.ok(Method::POST, &format!("/api/v1/files/{cat}/preview-url"), t, None).await;
    let url = minted["url"].as_str().expect("url").to_owned();
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 200);

    let r = app.call(Method::DELETE, &format!("/api/v1/files/{cat}"), t, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(app.list_names(t, &format!("?folder={photos}")).await.is_empty());
    for path in [format!("/api/v1/files/{cat}"), format!("/api/v1/files/{cat}/content")] {
        assert_eq!(app.call(Method::GET, &path, t, None).await.status, 404, "{path}");
    }
    let r = app
        .call(Method::PATCH, &format!("/api/v1/files/{cat}"), t, Some(json!({"name": "x.png"})))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 404, "its preview URL died");
    assert!(names(&app.ok(Method::GET, "/api/v1/starred", t, None).await).is_empty());
    assert!(names(&app.ok(Method::GET, "/api/v1/recent", t, None).await).is_empty());

    let trash = app.trash(t).await;
    assert_eq!(names(&trash), ["cat.png"]);
    let item = &trash["items"][0];
    assert_eq!((item["id"].as_str(), item["kind"].as_str()), (Some(cat.as_str()), Some("file")));
    assert_eq!(item["original_path"], "/Photos");
    assert_eq!(item["size"], png_1x1().len());
    assert!(item["deleted_at"].as_str().is_some() && item["purge_after"].as_str().is_some());
    assert_eq!(trash["trash_used"], png_1x1().len());
    assert_eq!(app.me(t).await.json()["trash_used"], png_1x1().len());

    // The folder is renamed meanwhile: the restore goes by id, not by path.
    app.ok(Method::PATCH, &format!("/api/v1/files/{photos}"), t, Some(json!({"name": "Pictures"})))
        .await;
    assert_eq!(app.trash(t).await["items"][0]["original_path"], "/Pictures");
    let back = app.ok(Method::POST, &format!("/api/v1/trash/{cat}/restore"), t, None).await;
    assert_eq!(
        (back["id"].as_str(), back["folder"].as_str()),
        (Some(cat.as_str()), Some(photos.as_str()))
    );
    assert_eq!(back["name"], "cat.png");
    let r = app.call(Method::GET, &format!("/api/v1/files/{cat}/content"), t, None).await;
    assert!(r.status == 200 && r.body == png_1x1(), "same bytes");
    assert_eq!(app.send(TestRequest::get().uri(&url)).await.status, 200, "same file, same URL");
    assert!(names(&app.trash(t).await).is_empty());
    assert_eq!(app.me(t).await.json()["trash_used"], 0);
}

#[actix_web::test]
async fn a_deleted_folder_takes_its_subtree_and_frees_its_name() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let a = app.mkdir(t, "A", None).await;
    let b = app.mkdir(t, "B", Some(&a)).await;
    let bytes = pseudo_random(5000, 1);
    let r = app
        .send(
            crate::files::upload_req(t, "deep.bin", &bytes)
                .uri(&format!("/api/v1/files?folder={b}")),
        )
        .await;
    let deep = id_of(&r.json()["items"][0]);
    app.ok(Method::DELETE, &format!("/api/v1/files/{a}"), t, None).await;
    for id in [&a, &b, &deep] {
        assert_eq!(
            app.call(Method::GET, &format!("/api/v1/files/{id}"), t, None).await.status,
            404
        );
    }
    assert_eq!(names(&app.trash(t).await), ["A"], "one item per deletion");
    assert_eq!(app.trash(t).await["items"][0]["size"], 5000);
    // Nothing can be put into a trashed folder.
    let r =
        app.call(Method::POST, "/api/v1/folders", t, Some(json!({"name": "x", "folder": b}))).await;
    assert_eq!(r.status, 404, "{}", r.text());
    // The name is free again; the restore then takes `A (1)`.
    let new_a = app.mkdir(t, "A", None).await;
    let back = app.ok(Method::POST, &format!("/api/v1/trash/{a}/restore"), t, None).await;
    assert_eq!(back["name"], "A (1)");
    assert_eq!(app.list_names(t, "").await, ["A", "A (1)"]);
    assert_eq!(app.list_names(t, &format!("?folder={b}")).await, ["deep.bin"]);
    let r = app.call(Method::GET, &format!("/api/v1/files/{deep}/content"), t, None).await;
    assert!(r.status == 200 && r.body == bytes);
    assert!(app.list_names(t, &format!("?folder={new_a}")).await.is_empty());
    assert_eq!(app.storage_used(t).await, 5000);
}

#[actix_web::test]
async fn a_restore_whose_folder_is_gone_lands_at_the_root_or_where_asked() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let a = app.mkdir(t, "A", None).await;
    let x = app.mkdir(t, "x", Some(&a)).await;
    let y = app.mkdir(t, "y", Some(&a)).await;
    let elsewhere = app.mkdir(t, "Elsewhere", None).await;
    // x deleted on its own, then its folder: two items in the trash.
    app.ok(Method::DELETE, &format!("/api/v1/files/{x}"), t, None).await;
    app.ok(Method::DELETE, &format!("/api/v1/files/{y}"), t, None).await;
    app.ok(Method::DELETE, &format!("/api/v1/files/{a}"), t, None).await;
    assert_eq!(names(&app.trash(t).await), ["A", "y", "x"], "newest first");
    let trash = app.trash(t).await;
    assert_eq!(trash["items"][2]["original_path"], "/A");
    assert_eq!(trash["items"][2]["restores_to"], "/");

    let back = app.ok(Method::POST, &format!("/api/v1/trash/{x}/restore"), t, None).await;
    assert_eq!(back["folder"], Value::Null, "A is in the trash: x goes to the root");
    let body = json!({ "folder": elsewhere });
    let back = app.ok(Method::POST, &format!("/api/v1/trash/{y}/restore"), t, Some(body)).await;
    assert_eq!(back["folder"], elsewhere.as_str());
    // Purging A purges what it holds, but not an item deleted on its own before it.
    let z = app.mkdir(t, "z", None).await;
    let r =
        app.call(Method::PATCH, &format!("/api/v1/files/{z}"), t, Some(json!({"folder": a}))).await;
    assert_eq!(r.status, 404, "A is trashed: nothing moves into it");
    app.ok(Method::POST, &format!("/api/v1/trash/{a}/restore"), t, None).await;
    let w = app.mkdir(t, "w", Some(&a)).await;
    app.ok(Method::DELETE, &format!("/api/v1/files/{w}"), t, None).await;
    app.ok(Method::DELETE, &format!("/api/v1/files/{a}"), t, None).await;
    app.ok(Method::DELETE, &format!("/api/v1/trash/{a}"), t, None).await;
    assert_eq!(names(&app.trash(t).await), ["w"]);
    let back = app.ok(Method::POST, &format!("/api/v1/trash/{w}/restore"), t, None).await;
    assert_eq!(back["folder"], Value::Null);
}

#[actix_web::test]
async fn only_a_deleted_item_of_ones_own_can_be_restored_or_purged() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let a = app.mkdir(&alice.token, "A", None).await;
    let inner = app.mkdir(&alice.token, "inner", Some(&a)).await;
    let live = app.mkdir(&alice.token, "live", None).await;
    app.ok(Method::DELETE, &format!("/api/v1/files/{a}"), &alice.token, None).await;
    for (token, id) in [(&bob.token, &a), (&alice.token, &inner), (&alice.token, &live)] {
        for (method, path) in [
            (Method::POST, format!("/api/v1/trash/{id}/restore")),
            (Method::DELETE, format!("/api/v1/trash/{id}")),
        ] {
            let r = app.call(method, &path, token, None).await;
            assert_eq!(r.status, 404, "{path}: {}", r.text());
        }
    }
    assert!(names(&app.trash(&bob.token).await).is_empty());
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/files/{a}"), &alice.token, None).await.status,
        404
    );
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/trash/{a}/restore"),
            &alice.token,
            Some(json!({"folder": 5})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/trash/{a}/restore"),
            &alice.token,
            Some(json!({"folder": inner})),
        )
        .await;
    assert_eq!(r.status, 404, "a folder in the trash is no target: {}", r.text());
}

#[actix_web::test]
async fn emptying_the_trash_releases_blobs_but_bytes_another_user_shares_survive() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let shared = pseudo_random(8000, 2);
    let own = pseudo_random(3000, 3);
    let a1 = id_of(&app.upload(&alice.token, "shared.bin", &shared).await);
    let a2 = id_of(&app.upload(&alice.token, "own.bin", &own).await);
    let b1 = id_of(&app.upload(&bob.token, "bobs.bin", &shared).await);
    for id in [&a1, &a2] {
        app.ok(Method::DELETE, &format!("/api/v1/files/{id}"), &alice.token, None).await;
    }
    assert_eq!(app.storage_used(&alice.token).await, 11000, "the trash still counts");
    assert!(app.blob_path(&own).exists());
    app.ok(Method::DELETE, "/api/v1/trash", &alice.token, None).await;
    assert!(names(&app.trash(&alice.token).await).is_empty());
    assert_eq!(app.storage_used(&alice.token).await, 0);
    assert!(!app.blob_path(&own).exists(), "no one uses these bytes any more");
    assert!(app.blob_path(&shared).exists(), "bob still does");
    let r = app.call(Method::GET, &format!("/api/v1/files/{b1}/content"), &bob.token, None).await;
    assert!(r.status == 200 && r.body == shared);
}

#[actix_web::test]
async fn the_trash_counts_in_the_quota() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "10000")]).await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let first = id_of(&app.upload(t, "a.bin", &pseudo_random(6000, 4)).await);
    app.ok(Method::DELETE, &format!("/api/v1/files/{first}"), t, None).await;
    let r = app.send(crate::files::upload_req(t, "b.bin", &pseudo_random(6000, 5))).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.code(), "quota_exceeded");
    app.ok(Method::DELETE, &format!("/api/v1/trash/{first}"), t, None).await;
    let r = app.send(crate::files::upload_req(t, "b.bin", &pseudo_random(6000, 5))).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

#[actix_web::test]
async fn the_retention_job_purges_only_what_is_past_the_retention() {
    use homedisk::db::schema::files;
    let app = spawn_with(&[("HOMEDISK_TRASH_RETENTION_DAYS", "7")]).await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let old_bytes = pseudo_random(4000, 6);
    let old = id_of(&app.upload(t, "old.bin", &old_bytes).await);
    let young = id_of(&app.upload(t, "young.bin", &pseudo_random(2000, 7)).await);
    for id in [&old, &young] {
        app.ok(Method::DELETE, &format!("/api/v1/files/{id}"), t, None).await;
    }
    let trash = app.trash(t).await;
    assert_eq!(trash["retention_days"], 7);
    let eight_days_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(8);
    diesel::update(files::table.find(&old))
        .set(files::trashed_at.eq(Some(eight_days_ago)))
        .execute(&mut *app.conn())
        .expect("backdate");
    homedisk::jobs::purge_trash(&app.state, &mut app.conn()).expect("job");
    assert_eq!(names(&app.trash(t).await), ["young.bin"]);
    assert!(!app.blob_path(&old_bytes).exists());
    assert_eq!(app.storage_used(t).await, 2000);
}

#[actix_web::test]
async fn admins_set_the_retention_within_bounds_and_it_is_audited() {
    let app = spawn_app().await;
    let root = app.register("root").await;
    let r = app
        .call(
            Method::PATCH,
            "/api/v1/admin/settings",
            &root.token,
            Some(json!({"trash_retention_days": 3})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (
            r.json()["trash_retention_days"].as_i64(),
            r.json()["trash_retention_days_source"].as_str()
        ),
        (Some(3), Some("admin"))
    );
    for bad in [json!(0), json!(3651), json!(-1), json!(1u64 << 40)] {
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/admin/settings",
                &root.token,
                Some(json!({"trash_retention_days": bad})),
            )
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    assert_eq!(app.trash(&root.token).await["retention_days"], 3);
    let audit = app
        .ok(Method::GET, "/api/v1/admin/audit?event=admin_setting_changed", &root.token, None)
        .await;
    let details: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert!(details.iter().any(|d| d.contains("trash retention 30 → 3 days")), "{details:?}");
}

#[actix_web::test]
async fn deleting_an_account_removes_its_trash_too() {
    let app = spawn_app().await;
    let root = app.register("root").await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let bytes = pseudo_random(3000, 8);
    let folder = app.mkdir(t, "Old", None).await;
    let r = app
        .send(
            crate::files::upload_req(t, "in.bin", &bytes)
                .uri(&format!("/api/v1/files?folder={folder}")),
        )
        .await;
    assert_eq!(r.status, 201);
    id_of(&app.upload(t, "kept.bin", &pseudo_random(100, 9)).await);
    app.ok(Method::DELETE, &format!("/api/v1/files/{folder}"), t, None).await;
    let alice_id = app.me(t).await.json()["id"].as_str().expect("id").to_owned();
    let r = app
        .call(Method::DELETE, &format!("/api/v1/admin/users/{alice_id}"), &root.token, None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let stored = app.stored();
    assert_eq!((stored.file_rows, stored.blob_rows, stored.blob_files), (0, 0, 0));
}
