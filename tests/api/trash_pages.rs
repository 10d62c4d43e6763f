//! The trash, stars and the selection toolbar as pages, without JavaScript: every action is a
//! plain form, destructive ones ask on a page of their own, and the folder picker is radios.

use actix_web::test::TestRequest;

use crate::files::{FilesApi, id_of};
use crate::helpers::{PASSWORD, Resp, session_cookie, spawn_app};

fn form(path: &str, session: &str, fields: &[(&str, &str)]) -> TestRequest {
    let body: String =
        form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    TestRequest::post()
        .uri(path)
        .cookie(session_cookie(session))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body)
}

fn get(path: &str, session: &str) -> TestRequest {
    TestRequest::get().uri(path).cookie(session_cookie(session))
}

fn location(r: &Resp) -> &str {
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").expect("location")
}

#[actix_web::test]
async fn a_page_delete_goes_to_the_trash_page_which_restores_purges_and_empties() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let s = app.web_login("alice", PASSWORD).await;
    let docs = app.mkdir(&alice.token, "Docs", None).await;
    let r = app
        .send(
            crate::files::upload_req(&alice.token, "notes.txt", b"notes")
                .uri(&format!("/api/v1/files?folder={docs}")),
        )
        .await;
    let notes = id_of(&r.json()["items"][0]);
    let csrf = app.page_csrf("/files", &s).await;

    let r = app
        .send(form(
            &format!("/files/{notes}/delete"),
            &s,
            &[("csrf_token", &csrf), ("confirmed", "yes")],
        ))
        .await;
    assert_eq!(location(&r), format!("/files?folder={docs}&notice=deleted"));
    let page = app.send(get(&format!("/files?folder={docs}&notice=deleted"), &s)).await.text();
    assert!(page.contains("Moved to the trash.") && !page.contains("notes.txt"), "{page}");
    assert!(page.contains("· 5 bytes in the trash"), "the storage meter says it: {page}");

    let trash = app.send(get("/trash", &s)).await;
    assert_eq!(trash.status, 200);
    let text = trash.text();
    assert!(
        text.contains("notes.txt") && text.contains("/Docs") && text.contains("30 days"),
        "{text}"
    );
    let zh = app.send(get("/trash", &s).insert_header(("Accept-Language", "zh-CN"))).await.text();
    assert!(zh.contains("回收站") && zh.contains("恢复"), "{zh}");

    // Restore: back in its folder.
    let r = app.send(form(&format!("/trash/{notes}/restore"), &s, &[("csrf_token", &csrf)])).await;
    assert_eq!(location(&r), format!("/files?folder={docs}&notice=restored"));
    assert_eq!(app.list_names(&alice.token, &format!("?folder={docs}")).await, ["notes.txt"]);

    // Delete for good: asked on a page first, then done.
    app.send(form(
        &format!("/files/{docs}/delete"),
        &s,
        &[("csrf_token", &csrf), ("confirmed", "yes")],
    ))
    .await;
    let r = app.send(form(&format!("/trash/{docs}/purge"), &s, &[("csrf_token", &csrf)])).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Delete “Docs” for good?"), "{}", r.text());
    assert_eq!(app.stored().file_rows, 2, "nothing gone yet");
    let r = app
        .send(form(
            &format!("/trash/{docs}/purge"),
            &s,
            &[("csrf_token", &csrf), ("confirmed", "yes")],
        ))
        .await;
    assert_eq!(location(&r), "/trash?notice=purged");
    assert_eq!(app.stored().file_rows, 0);

    // Empty: asks, then empties; a forged token changes nothing.
    let a = id_of(&app.upload(&alice.token, "a.txt", b"a").await);
    app.send(form(
        &format!("/files/{a}/delete"),
        &s,
        &[("csrf_token", &csrf), ("confirmed", "yes")],
    ))
    .await;
    let r =
        app.send(form("/trash/empty", &s, &[("csrf_token", "forged"), ("confirmed", "yes")])).await;
    assert_eq!(r.status, 403);
    let r = app.send(form("/trash/empty", &s, &[("csrf_token", &csrf)])).await;
    assert!(r.status == 200 && r.text().contains("Empty the trash?"));
    let r =
        app.send(form("/trash/empty", &s, &[("csrf_token", &csrf), ("confirmed", "yes")])).await;
    assert_eq!(location(&r), "/trash?notice=emptied");
    assert!(app.send(get("/trash?notice=emptied", &s)).await.text().contains("The trash is empty"));
    assert_eq!(app.stored().file_rows, 0);
}

#[actix_web::test]
async fn the_selection_form_moves_through_a_folder_picker_and_stars_without_javascript() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let s = app.web_login("alice", PASSWORD).await;
    let album = app.mkdir(&alice.token, "Album", None).await;
    let inner = app.mkdir(&alice.token, "Inner", Some(&album)).await;
    let a = id_of(&app.upload(&alice.token, "a.txt", b"a").await);
    let b = id_of(&app.upload(&alice.token, "b.txt", b"b").await);
    let bobs = id_of(&app.upload(&bob.token, "bob.txt", b"x").await);
    let csrf = app.page_csrf("/files", &s).await;
    let listing = app.send(get("/files", &s)).await.text();
    assert!(listing.contains("id=\"batch-form\"") && listing.contains("form=\"batch-form\""));

    // Move without a folder: the picker, listing folders by path.
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("back", "/files"),
        ("op", "move"),
        ("ids", &a),
        ("ids", &b),
    ];
    let r = app.send(form("/files/batch", &s, &fields)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let picker = r.text();
    assert!(picker.contains("Move 2 items to…") && picker.contains("/Album/Inner"), "{picker}");
    let mut picked = fields.to_vec();
    picked.push(("folder", &inner));
    let r = app.send(form("/files/batch", &s, &picked)).await;
    assert_eq!(location(&r), format!("/files?folder={inner}&notice=moved"));
    assert_eq!(app.list_names(&alice.token, &format!("?folder={inner}")).await, ["a.txt", "b.txt"]);

    // A folder into itself, and someone else's file: a page that says why, the rest done.
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("op", "move"),
        ("ids", &album),
        ("ids", &bobs),
        ("folder", &inner),
    ];
    let r = app.send(form("/files/batch", &s, &fields)).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("2 of 2 items could not be changed"), "{}", r.text());

    // Star two, then see them on /starred; a forged token or nothing selected does nothing.
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("back", "/files"),
        ("op", "star"),
        ("ids", &a),
        ("ids", &album),
    ];
    assert_eq!(
        location(&app.send(form("/files/batch", &s, &fields)).await),
        "/files?notice=starred"
    );
    let starred = app.send(get("/starred", &s)).await.text();
    assert!(
        starred.contains("a.txt") && starred.contains("Album") && !starred.contains("b.txt"),
        "{starred}"
    );
    let r = app
        .send(form("/files/batch", &s, &[("csrf_token", "forged"), ("op", "trash"), ("ids", &a)]))
        .await;
    assert_eq!(r.status, 403);
    for evil in ["//evil.example/", "/\t/evil.example/", "https://evil.example/", "/\\evil"] {
        let fields = [("csrf_token", csrf.as_str()), ("op", "trash"), ("back", evil)];
        let r = app.send(form("/files/batch", &s, &fields)).await;
        assert_eq!(location(&r), "/files?notice=nothing_selected", "{evil:?}");
    }
    let r = app
        .send(form("/files/batch", &s, &[("csrf_token", &csrf), ("op", "explode"), ("ids", &a)]))
        .await;
    assert_eq!(r.status, 400);

    // The star button of a row, and /recent.
    let r = app
        .send(form(
            &format!("/files/{a}/star"),
            &s,
            &[("csrf_token", &csrf), ("on", "0"), ("back", "/starred")],
        ))
        .await;
    assert_eq!(location(&r), "/starred?notice=unstarred");
    assert!(!app.send(get("/starred", &s)).await.text().contains("a.txt"));
    let recent = app.send(get("/recent", &s)).await.text();
    assert!(
        recent.contains("a.txt") && recent.contains("Inner") && !recent.contains("bob.txt"),
        "{recent}"
    );
    let r = app.send(form(&format!("/files/{bobs}/star"), &s, &[("csrf_token", &csrf)])).await;
    assert_eq!(r.status, 404);
}

#[actix_web::test]
async fn an_admin_sets_the_trash_retention_on_the_dashboard() {
    let app = spawn_app().await;
    app.register("root").await;
    let s = app.web_login("root", PASSWORD).await;
    let csrf = app.page_csrf("/admin", &s).await;
    let fields = |days: &'static str| {
        [
            ("csrf_token", csrf.clone()),
            ("registration", "open".into()),
            ("default_quota", "10GiB".into()),
            ("trash_retention_days", days.into()),
        ]
    };
    for bad in ["0", "3651", "soon"] {
        let r = app
            .send(form(
                "/admin/settings",
                &s,
                &fields(bad)
                    .map(|(k, v)| (k, v))
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            ))
            .await;
        assert_eq!(r.status, 400, "{bad:?}");
        assert!(r.text().contains("must be a whole number of days from 1 to 3650"), "{}", r.text());
    }
    let good = fields("14");
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.send(form("/admin/settings", &s, &pairs)).await;
    assert_eq!(location(&r), "/admin?notice=settings");
    let page = app.send(get("/admin", &s)).await.text();
    assert!(page.contains("14 days"), "{page}");
    let trash = app.send(get("/trash", &s)).await.text();
    assert!(trash.contains("14 days"), "{trash}");
}

#[actix_web::test]
async fn the_toolbar_downloads_a_selection_as_a_zip_and_a_folder_links_its_own() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let s = app.web_login("alice", PASSWORD).await;
    let album = app.mkdir(&alice.token, "Album", None).await;
    let a = id_of(&app.upload(&alice.token, "a.txt", b"hello").await);
    let csrf = app.page_csrf("/files", &s).await;
    let page = app.send(get(&format!("/files?folder={album}"), &s)).await.text();
    assert!(page.contains(&format!("href=\"/api/v1/files/{album}/zip\"")), "{page}");

    let fields = [("csrf_token", csrf.as_str()), ("op", "zip"), ("ids", &a), ("ids", &album)];
    let r = app.send(form("/files/batch", &s, &fields)).await;
    let url = location(&r).to_owned();
    assert!(url.starts_with("/api/v1/archives/") && url.contains("token="), "{url}");
    // The link alone opens it (a download manager has no cookie).
    let zip = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(zip.status, 200, "{}", zip.text());
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(zip.body.starts_with(b"PK\x03\x04"));
    let bob = app.register("bob").await;
    let bobs = id_of(&app.upload(&bob.token, "b.txt", b"b").await);
    let fields = [("csrf_token", csrf.as_str()), ("op", "zip"), ("ids", &bobs)];
    assert_eq!(app.send(form("/files/batch", &s, &fields)).await.status, 404);
}
