//! Folders in the pages without JavaScript (#17): "New folder" and rename refuse a taken name
//! next to the field (422, the form again; JSON for the page's script), a folder renamed and
//! moved through `/files/{id}/organize`, a folder never offered as its own target and refused
//! when asked anyway, the sort order carried into subfolders and breadcrumbs, and a large
//! folder listed a page at a time with a "show more" link that reaches every item once.

use actix_web::test::TestRequest;
use chrono::{Duration, Utc};
use homedisk::db::DbConn;
use homedisk::db::ids::FileId;
use homedisk::db::models::{blobs, files as file_rows};

use crate::files::FilesApi;
use crate::helpers::{PASSWORD, session_cookie, spawn_app};

/// `n` more files in `like`'s folder sharing `like`'s bytes (`file-0000.txt`, …, each a
/// second older than the one before), written in one transaction: thousands of rows in a
/// moment, where as many uploads would take minutes. The blob's reference count is raised to
/// match, so the rows are as consistent as uploaded ones.
pub fn seed_copies(conn: &mut DbConn, like: &file_rows::FileRow, n: usize) -> Vec<FileId> {
    seed_copies_named(conn, like, n, |i| format!("file-{i:04}.txt"))
}

/// [`seed_copies`] with the `i`-th copy named `name(i)`.
pub fn seed_copies_named(
    conn: &mut DbConn,
    like: &file_rows::FileRow,
    n: usize,
    name: impl Fn(usize) -> String,
) -> Vec<FileId> {
    let now = Utc::now().naive_utc();
    let sha = like.blob_sha256.clone().expect("a file");
    homedisk::db::write(conn, |conn| {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let id = FileId::generate();
            let at = now - Duration::seconds(i as i64 + 1);
            file_rows::insert(
                conn,
                &file_rows::NewFile {
                    id: &id,
                    owner_id: &like.owner_id,
                    parent_id: like.parent_id.as_ref(),
                    kind: "file",
                    name: &name(i),
                    size: like.size,
                    mime: like.mime.as_deref(),
                    blob_sha256: Some(&sha),
                    created_at: at,
                    modified_at: at,
                },
            )?;
            ids.push(id);
        }
        blobs::add_refs(conn, &sha, n as i64)?;
        Ok::<_, diesel::result::Error>(ids)
    })
    .expect("seed files")
}

/// Form posts of a logged-in browser without JavaScript.
fn form(uri: &str, session: &str, fields: Vec<(&str, String)>) -> TestRequest {
    TestRequest::post().uri(uri).cookie(session_cookie(session)).set_form(fields)
}

fn page(uri: &str, session: &str) -> TestRequest {
    TestRequest::get().uri(uri).cookie(session_cookie(session))
}

#[actix_web::test]
async fn a_taken_folder_name_comes_back_next_to_the_field_in_both_languages() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.mkdir(&alice.token, "Photos", None).await;
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/files", &session).await;
    let fields = || vec![("name", "Photos".to_owned()), ("csrf_token", csrf.clone())];

    let r = app.send(form("/files/folders", &session, fields())).await;
    assert_eq!(r.status, 422, "the listing again, not an error page");
    let html = r.text();
    assert!(html.contains("id=\"items\""), "the listing is shown: {html}");
    assert!(html.contains("<details class=\"new-folder\" open>"), "the form stays open");
    assert!(html.contains("Name is already used in this folder"), "{html}");
    assert!(html.contains("value=\"Photos\""), "what was typed is kept");

    let zh = app
        .send(
            form("/files/folders", &session, fields()).insert_header(("accept-language", "zh-CN")),
        )
        .await;
    assert_eq!(zh.status, 422);
    assert!(zh.text().contains("在此文件夹中已被使用"), "{}", zh.text());

    // The page's script gets the same message as JSON; its dialog shows it.
    let json = app
        .send(
            form("/files/folders", &session, fields())
                .insert_header(("accept", "application/json")),
        )
        .await;
    assert_eq!(json.status, 422);
    assert_eq!(json.json()["errors"]["name"], "Name is already used in this folder");
    let ok = app
        .send(
            form("/files/folders", &session, vec![("name", "Music".into()), ("csrf_token", csrf)])
                .insert_header(("accept", "application/json")),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["location"], "/files?notice=folder");
    assert_eq!(app.list_names(&alice.token, "").await, vec!["Music", "Photos"]);
}

#[actix_web::test]
async fn a_folder_is_renamed_and_moved_from_its_organize_page() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = alice.token.as_str();
    let photos = app.mkdir(token, "Photos", None).await;
    let trips = app.mkdir(token, "Trips", Some(&photos)).await;
    let archive = app.mkdir(token, "Archive", None).await;
    app.mkdir(token, "Taken", Some(&photos)).await;
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/files", &session).await;

    // The folder's own page and each row lead here; itself and what is below it are no target.
    let listing = app.send(page(&format!("/files?folder={photos}"), &session)).await.text();
    assert!(listing.contains(&format!("/files/{photos}/organize?back=")), "header: {listing}");
    assert!(listing.contains(&format!("/files/{trips}/organize?back=")), "row menu");
    let r = app.send(page(&format!("/files/{photos}/organize"), &session)).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains(&format!("value=\"{archive}\"")), "{html}");
    assert!(!html.contains(&format!("value=\"{trips}\"")), "a subfolder is not offered");
    assert!(!html.contains(&format!("type=\"radio\" name=\"folder\" value=\"{photos}\"")));

    // Rename: a taken name comes back inline with what was typed; a free one sticks.
    let organize = format!("/files/{trips}/organize");
    let rename = |name: &str| {
        vec![
            ("op", "rename".to_owned()),
            ("name", name.to_owned()),
            ("back", format!("/files?folder={photos}")),
            ("csrf_token", csrf.clone()),
        ]
    };
    let r = app.send(form(&organize, &session, rename("Taken"))).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("Name is already used in that folder"), "{html}");
    assert!(html.contains("value=\"Taken\""), "{html}");
    let r = app
        .send(
            form(&organize, &session, rename("Taken"))
                .insert_header(("accept", "application/json")),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"]["name"], "Name is already used in that folder");
    let r = app.send(form(&organize, &session, rename("Journeys"))).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/files?folder={photos}&notice=renamed").as_str())
    );

    // Move: into its own subfolder is refused with the reason; into Archive works.
    let moving = |folder: &str| {
        vec![("op", "move".to_owned()), ("folder", folder.to_owned()), ("csrf_token", csrf.clone())]
    };
    let r = app.send(form(&format!("/files/{photos}/organize"), &session, moving(&trips))).await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("a folder cannot move into itself or one of its subfolders"));
    let r = app.send(form(&format!("/files/{photos}/organize"), &session, moving(&archive))).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/files?folder={archive}&notice=moved").as_str()),
        "without a `back`, to where it went"
    );
    assert_eq!(app.list_names(token, "").await, vec!["Archive"]);
    assert_eq!(app.list_names(token, &format!("?folder={archive}")).await, vec!["Photos"]);
    assert_eq!(
        app.list_names(token, &format!("?folder={photos}")).await,
        vec!["Journeys", "Taken"]
    );

    // Forged or foreign: refused like the other forms.
    let r = app
        .send(form(&organize, &session, vec![("op", "rename".into()), ("name", "x".into())]))
        .await;
    assert_eq!(r.status, 403);
    let bob = app.register("bob").await;
    let theirs = app.mkdir(&bob.token, "Bob's", None).await;
    let r = app.send(form(&format!("/files/{theirs}/organize"), &session, rename("Mine"))).await;
    assert_eq!(r.status, 404);
}

#[actix_web::test]
async fn dragged_items_move_through_the_selection_form_and_failures_say_why() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = alice.token.as_str();
    let photos = app.mkdir(token, "Photos", None).await;
    let note = crate::files::id_of(&app.upload(token, "note.txt", b"hi").await);
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/files", &session).await;
    let r = app
        .send(
            form(
                "/files/batch",
                &session,
                vec![
                    ("csrf_token", csrf.clone()),
                    ("op", "move".into()),
                    ("ids", note.clone()),
                    ("ids", photos.clone()),
                    ("folder", photos.clone()),
                    ("back", "/files".into()),
                ],
            )
            .insert_header(("accept", "application/json"))
            .insert_header(("accept-language", "zh-CN")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["done"], serde_json::json!([note]));
    assert_eq!(v["failed"][0]["id"], photos.as_str());
    assert_eq!(v["failed"][0]["message"], "文件夹不能移动到自身或其子文件夹中", "{v}");
    assert_eq!(app.list_names(token, &format!("?folder={photos}")).await, vec!["note.txt"]);
}

#[actix_web::test]
async fn the_sort_order_follows_into_subfolders_and_back_up_the_breadcrumbs() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photos = app.mkdir(&alice.token, "Photos", None).await;
    let trips = app.mkdir(&alice.token, "Trips", Some(&photos)).await;
    let session = app.web_login("alice", PASSWORD).await;
    let html = app.send(page("/files?sort=date&order=desc", &session)).await.text();
    assert!(
        html.contains(&format!("href=\"/files?folder={photos}&#38;sort=date&#38;order=desc\"")),
        "{html}"
    );
    let html = app
        .send(page(&format!("/files?folder={trips}&sort=size&order=asc"), &session))
        .await
        .text();
    assert!(html.contains("href=\"/files?sort=size&#38;order=asc\""), "root crumb: {html}");
    assert!(html.contains(&format!("href=\"/files?folder={photos}&#38;sort=size&#38;order=asc\"")));
    // The default order adds nothing.
    let html = app.send(page("/files", &session)).await.text();
    assert!(html.contains(&format!("href=\"/files?folder={photos}\"")));
}

#[actix_web::test]
async fn a_large_folder_is_listed_a_page_at_a_time_and_more_reaches_every_item_once() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let big = app.mkdir(&alice.token, "Big", None).await;
    let first = app.send(crate::files::upload_req(&alice.token, "seed.txt", b"x")).await;
    let seed = crate::files::id_of(&first.json()["items"][0]);
    let session = app.web_login("alice", PASSWORD).await;
    let csrf = app.page_csrf("/files", &session).await;
    let r = app
        .send(form(
            &format!("/files/{seed}/organize"),
            &session,
            vec![("op", "move".into()), ("folder", big.clone()), ("csrf_token", csrf)],
        ))
        .await;
    assert_eq!(r.status, 303);
    let row = file_rows::find_owned(
        &mut app.conn(),
        &homedisk::db::ids::UserId(alice.id.clone()),
        &FileId(seed),
    )
    .expect("seed row");
    seed_copies(&mut app.conn(), &row, 449);

    for (query, expect_first) in [("", "file-0000.txt"), ("&sort=date&order=desc", "seed.txt")] {
        let mut url = format!("/files?folder={big}{query}");
        let mut seen = Vec::new();
        let mut pages = 0;
        while pages < 10 {
            let html = app.send(page(&url, &session)).await.text();
            let names = names_in(&html);
            assert!(names.len() <= 200, "{url}: {} items", names.len());
            seen.extend(names);
            pages += 1;
            match more_link(&html) {
                Some(next) => {
                    assert_ne!(next, url, "the next page is another page");
                    url = next;
                }
                None => break,
            }
        }
        assert_eq!(pages, 3, "{query}: 200 + 200 + 50");
        assert_eq!(seen.len(), 450, "{query}");
        assert_eq!(seen[0], expect_first, "{query}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 450, "{query}: nothing twice");
    }
}

/// The item names of a listing page, in order.
fn names_in(html: &str) -> Vec<String> {
    html.split("<li class=\"item")
        .skip(1)
        .filter_map(|li| {
            let at = li.find("data-name=\"")? + "data-name=\"".len();
            Some(li[at..].split('"').next()?.to_owned())
        })
        .collect()
}

/// The "show more" link of a listing page (its `href`, unescaped).
fn more_link(html: &str) -> Option<String> {
    let at = html.find("id=\"more-link\"")?;
    let href = html[at..].split("href=\"").nth(1)?.split('"').next()?;
    Some(href.replace("&#38;", "&"))
}
