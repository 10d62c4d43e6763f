//! Stars, recent files, copies and batch operations.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::files::{FilesApi, id_of, pseudo_random, upload_req};
use crate::helpers::{spawn_app, spawn_with};
use crate::trash::{Calls, names};

fn results(answer: &Value) -> Vec<(bool, Option<&str>)> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["ok"].as_bool().expect("ok"), r["code"].as_str()))
        .collect()
}

#[actix_web::test]
async fn stars_and_the_recent_list_show_ones_own_live_items() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let t = &alice.token;
    let docs = app.mkdir(t, "Docs", None).await;
    let a = id_of(&app.upload(t, "a.txt", b"a").await);
    let b = id_of(&app.upload(t, "b.txt", b"b").await);
    for id in [&docs, &a] {
        let r = app.call(Method::PUT, &format!("/api/v1/files/{id}/star"), t, None).await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    assert_eq!(names(&app.ok(Method::GET, "/api/v1/starred", t, None).await), ["Docs", "a.txt"]);
    let item = app.ok(Method::GET, &format!("/api/v1/files/{a}"), t, None).await;
    assert_eq!(item["starred"], true);
    assert_eq!(app.listing(t, "").await["items"][0]["starred"], true);
    app.ok(Method::DELETE, &format!("/api/v1/files/{a}/star"), t, None).await;
    assert_eq!(names(&app.ok(Method::GET, "/api/v1/starred", t, None).await), ["Docs"]);
    // Another user's item: 404, as if it did not exist.
    let r = app.call(Method::PUT, &format!("/api/v1/files/{b}/star"), &bob.token, None).await;
    assert_eq!(r.status, 404);
    assert!(names(&app.ok(Method::GET, "/api/v1/starred", &bob.token, None).await).is_empty());

    app.ok(Method::PATCH, &format!("/api/v1/files/{a}"), t, Some(json!({"name": "a2.txt"}))).await;
    assert_eq!(names(&app.ok(Method::GET, "/api/v1/recent", t, None).await), ["a2.txt", "b.txt"]);
    assert!(names(&app.ok(Method::GET, "/api/v1/recent", &bob.token, None).await).is_empty());
}

#[actix_web::test]
async fn a_folder_copy_shares_the_bytes_and_charges_the_quota() {
    let app = spawn_with(&[("HOMEDISK_DEFAULT_QUOTA_BYTES", "25000")]).await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let src = app.mkdir(t, "Album", None).await;
    let sub = app.mkdir(t, "Sub", Some(&src)).await;
    let one = pseudo_random(5000, 1);
    let two = pseudo_random(3000, 2);
    for (folder, name, bytes) in [(&src, "one.bin", &one), (&sub, "two.bin", &two)] {
        let r = app
            .send(upload_req(t, name, bytes).uri(&format!("/api/v1/files?folder={folder}")))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let before = app.stored();
    let r = app.call(Method::POST, &format!("/api/v1/files/{src}/copy"), t, None).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let copy = r.json();
    assert_eq!(copy["name"], "Album (1)");
    assert_ne!(id_of(&copy), src);
    assert_eq!(app.storage_used(t).await, 16000);
    let after = app.stored();
    assert_eq!(
        (after.blob_files, after.blob_rows),
        (before.blob_files, before.blob_rows),
        "no bytes copied"
    );
    let copied_sub = app.listing(t, &format!("?folder={}", id_of(&copy))).await;
    assert_eq!(names(&copied_sub), ["Sub", "one.bin"]);
    let inner = id_of(&copied_sub["items"][0]);
    let two_copy = id_of(&app.listing(t, &format!("?folder={inner}")).await["items"][0]);
    let r = app.call(Method::GET, &format!("/api/v1/files/{two_copy}/content"), t, None).await;
    assert!(r.status == 200 && r.body == two);

    // A named copy into another folder; a taken name is refused.
    let body = json!({ "folder": sub, "name": "moved-one.bin" });
    let one_id = id_of(&app.listing(t, &format!("?folder={src}")).await["items"][1]);
    let r = app
        .call(Method::POST, &format!("/api/v1/files/{one_id}/copy"), t, Some(body.clone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = app.call(Method::POST, &format!("/api/v1/files/{one_id}/copy"), t, Some(body)).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(app.storage_used(t).await, 21000);

    // Over the quota: refused whole (no row, no byte charged).
    let rows = app.stored().file_rows;
    let r = app.call(Method::POST, &format!("/api/v1/files/{src}/copy"), t, None).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.code(), "quota_exceeded");
    assert_eq!(app.stored().file_rows, rows);
    assert_eq!(app.storage_used(t).await, 21000);

    // Into itself: a conflict.
    let r = app
        .call(Method::POST, &format!("/api/v1/files/{src}/copy"), t, Some(json!({"folder": sub})))
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    // Purging the original keeps the copy's bytes.
    app.ok(Method::DELETE, &format!("/api/v1/files/{src}"), t, None).await;
    app.ok(Method::DELETE, &format!("/api/v1/trash/{src}"), t, None).await;
    let r = app.call(Method::GET, &format!("/api/v1/files/{two_copy}/content"), t, None).await;
    assert!(r.status == 200 && r.body == two);
}

#[actix_web::test]
async fn a_batch_move_reports_each_item_and_refuses_only_the_cycle() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let t = &alice.token;
    let target = app.mkdir(t, "Target", None).await;
    let inner = app.mkdir(t, "Inner", Some(&target)).await;
    let a = id_of(&app.upload(t, "a.txt", b"a").await);
    let b = id_of(&app.upload(t, "b.txt", b"b").await);
    let bobs = id_of(&app.upload(&bob.token, "bob.txt", b"x").await);
    let body = json!({ "op": "move", "ids": [a, target, b, bobs, "nope"], "folder": inner });
    let answer = app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert_eq!(
        results(&answer),
        [
            (true, None),
            (false, Some("conflict")),
            (true, None),
            (false, Some("not_found")),
            (false, Some("not_found"))
        ]
    );
    assert_eq!(answer["results"][0]["item"]["folder"], inner.as_str());
    assert_eq!(app.list_names(t, &format!("?folder={inner}")).await, ["a.txt", "b.txt"]);
    assert_eq!(app.list_names(t, "").await, ["Target"]);

    // Name clashes: rename (default), skip, fail.
    let a2 = id_of(&app.upload(t, "a.txt", b"a2").await);
    let body = json!({ "op": "move", "ids": [a2], "folder": inner, "on_conflict": "skip" });
    assert_eq!(
        results(&app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await),
        [(false, Some("skipped"))]
    );
    let body = json!({ "op": "move", "ids": [a2], "folder": inner, "on_conflict": "fail" });
    assert_eq!(
        results(&app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await),
        [(false, Some("conflict"))]
    );
    let body = json!({ "op": "copy", "ids": [a2], "folder": inner });
    let answer = app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert_eq!(answer["results"][0]["item"]["name"], "a (1).txt");
    let body = json!({ "op": "move", "ids": [a2], "folder": inner });
    let answer = app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert_eq!(answer["results"][0]["item"]["name"], "a (2).txt");

    // Trash, restore, star in batch.
    let body = json!({ "op": "trash", "ids": [a, b] });
    assert_eq!(
        results(&app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await),
        [(true, None), (true, None)]
    );
    assert_eq!(app.list_names(t, &format!("?folder={inner}")).await, ["a (1).txt", "a (2).txt"]);
    let body = json!({ "op": "restore", "ids": [a, b, a] });
    let answer = app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert_eq!(results(&answer), [(true, None), (true, None), (false, Some("not_found"))]);
    let body = json!({ "op": "star", "ids": [a, b] });
    app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert_eq!(names(&app.ok(Method::GET, "/api/v1/starred", t, None).await), ["a.txt", "b.txt"]);
}

#[actix_web::test]
async fn a_batch_takes_a_thousand_ids_and_refuses_more_or_a_bad_shape() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let t = &alice.token;
    let mut ids = Vec::new();
    for i in 0..1000 {
        ids.push(app.mkdir(t, &format!("f{i:04}"), None).await);
    }
    let body = json!({ "op": "star", "ids": ids });
    let answer = app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert_eq!(results(&answer).len(), 1000);
    assert!(results(&answer).iter().all(|(ok, _)| *ok));
    assert_eq!(names(&app.ok(Method::GET, "/api/v1/starred", t, None).await).len(), 1000);
    let mut more = ids.clone();
    more.push(ids[0].clone());
    for body in [
        json!({ "op": "star", "ids": more }),
        json!({ "op": "star", "ids": [] }),
        json!({ "op": "explode", "ids": [ids[0]] }),
        json!({ "op": "move", "ids": [ids[0]] }),
        json!({ "op": "move", "ids": [ids[0]], "folder": null, "on_conflict": "overwrite" }),
        json!({ "op": "star", "ids": "all" }),
    ] {
        let r = app.call(Method::POST, "/api/v1/files/batch", t, Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
    }
    // Moving a thousand items to the root where they are is a no-op per item.
    let body = json!({ "op": "move", "ids": ids, "folder": null });
    let answer = app.ok(Method::POST, "/api/v1/files/batch", t, Some(body)).await;
    assert!(results(&answer).iter().all(|(ok, _)| *ok));
}
