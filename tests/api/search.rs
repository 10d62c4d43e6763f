//! Search by name (`GET /api/v1/search`, the `/search` page): substrings in any script, folded
//! case, accents and width, short CJK queries, hostile queries, the owner and trash gates,
//! renames, the folder and type filters, ranking and cursor paging. Runs on both databases.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, session_cookie, spawn_app};

const BOUNDARY: &str = "----homedisk-search-test-5b2e";
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
const MP3: &[u8] = b"ID3\x03\x00\x00\x00\x00\x00\x00some audio";
const MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";

/// A 1×1 PNG (enough for the upload to sniff `image/png`).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x01c`\x00\x00\x00\x02\x00\x01s\x8b\x1b\x96\x00\x00\x00\x00IEND\xaeB`\x82";

fn upload_req(token: &str, folder: Option<&str>, name: &str, bytes: &[u8]) -> TestRequest {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let uri = match folder {
        Some(f) => format!("/api/v1/files?folder={f}"),
        None => "/api/v1/files".to_owned(),
    };
    TestRequest::post()
        .uri(&uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body)
}

/// `?q=…` and friends, percent-encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("/api/v1/search?{}", s.finish())
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_owned())
        .collect()
}

trait SearchApi {
    async fn put(&self, token: &str, folder: Option<&str>, name: &str, bytes: &[u8]) -> String;
    async fn mkdir(&self, token: &str, name: &str, parent: Option<&str>) -> String;
    async fn rename(&self, token: &str, id: &str, name: &str);
    async fn search(&self, token: &str, pairs: &[(&str, &str)]) -> Resp;
    async fn found(&self, token: &str, q: &str) -> Vec<String>;
    fn set_modified(&self, id: &str, at: chrono::NaiveDateTime);
}

impl<S, B> SearchApi for TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Uploads a file; returns its id.
    async fn put(&self, token: &str, folder: Option<&str>, name: &str, bytes: &[u8]) -> String {
        let r = self.send(upload_req(token, folder, name, bytes)).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["items"][0]["id"].as_str().expect("id").to_owned()
    }

    async fn mkdir(&self, token: &str, name: &str, parent: Option<&str>) -> String {
        let r = self
            .send(
                TestRequest::post()
                    .uri("/api/v1/folders")
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .set_json(json!({ "name": name, "folder": parent })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().expect("id").to_owned()
    }

    async fn rename(&self, token: &str, id: &str, name: &str) {
        let r = self
            .send(
                TestRequest::patch()
                    .uri(&format!("/api/v1/files/{id}"))
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .set_json(json!({ "name": name })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }

    async fn search(&self, token: &str, pairs: &[(&str, &str)]) -> Resp {
        self.get_bearer(&query(pairs), token).await
    }

    /// The names a search for `q` finds, in order (one page of up to 200).
    async fn found(&self, token: &str, q: &str) -> Vec<String> {
        let r = self.search(token, &[("q", q), ("limit", "200")]).await;
        assert_eq!(r.status, 200, "{q:?}: {}", r.text());
        names(&r.json())
    }

    fn set_modified(&self, id: &str, at: chrono::NaiveDateTime) {
        use homedisk::db::schema::files;
        diesel::update(files::table.filter(files::id.eq(id)))
            .set(files::modified_at.eq(at))
            .execute(&mut *self.conn())
            .expect("set modified_at");
    }
}

fn at(seconds: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(1_780_000_000 + seconds, 0).expect("time").naive_utc()
}

#[actix_web::test]
async fn chinese_substrings_of_one_two_and_more_characters_are_found() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for name in ["家庭照片2024.jpg", "照相机说明书.pdf", "风景.png", "holiday.txt"] {
        app.put(&alice.token, None, name, b"x").await;
    }
    assert_eq!(app.found(&alice.token, "照片").await, ["家庭照片2024.jpg"]);
    let mut one = app.found(&alice.token, "照").await;
    one.sort();
    assert_eq!(one, ["家庭照片2024.jpg", "照相机说明书.pdf"]);
    assert_eq!(app.found(&alice.token, "家庭照片").await, ["家庭照片2024.jpg"]);
    assert_eq!(app.found(&alice.token, "片2024").await, ["家庭照片2024.jpg"]);
    assert!(app.found(&alice.token, "照片机").await.is_empty());
}

#[actix_web::test]
async fn case_accents_and_full_width_fold_away_on_both_sides() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for name in ["Résumé.pdf", "RESUME.txt", "photo.png", "Ｒｅｐｏｒｔ.doc", "naïve café.md"]
    {
        app.put(&alice.token, None, name, b"x").await;
    }
    let mut both = app.found(&alice.token, "resume").await;
    both.sort();
    assert_eq!(both, ["RESUME.txt", "Résumé.pdf"]);
    let mut again = app.found(&alice.token, "résumé").await;
    again.sort();
    assert_eq!(again, both);
    assert_eq!(app.found(&alice.token, "ｐｈｏｔｏ").await, ["photo.png"]);
    assert_eq!(app.found(&alice.token, "PHOTO").await, ["photo.png"]);
    assert_eq!(app.found(&alice.token, "report").await, ["Ｒｅｐｏｒｔ.doc"]);
    assert_eq!(app.found(&alice.token, "NAIVE CAFE").await, ["naïve café.md"]);
}

#[actix_web::test]
async fn one_and_two_character_queries_find_substrings() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for name in ["a.txt", "ab.txt", "xyz", "qa"] {
        app.put(&alice.token, None, name, b"x").await;
    }
    let mut a = app.found(&alice.token, "a").await;
    a.sort();
    assert_eq!(a, ["a.txt", "ab.txt", "qa"]);
    assert_eq!(app.found(&alice.token, "yz").await, ["xyz"]);
    assert_eq!(app.found(&alice.token, "b.").await, ["ab.txt"]);
    assert!(app.found(&alice.token, "zz").await.is_empty());
}

#[actix_web::test]
async fn hostile_queries_answer_results_or_a_validation_problem_never_an_error() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    // Named through a rename: a JSON body carries the `"` that a multipart header cannot.
    for (i, name) in
        ["50% off_sale.txt", "a\"quoted\".txt", "tilde~name.txt", "star*.txt", "OR.txt"]
            .into_iter()
            .enumerate()
    {
        let id = app.put(&alice.token, None, &format!("upload{i}"), b"x").await;
        app.rename(&alice.token, &id, name).await;
    }
    let expect = [
        ("%", vec!["50% off_sale.txt"]),
        ("_", vec!["50% off_sale.txt"]),
        ("% off_", vec!["50% off_sale.txt"]),
        ("\"", vec!["a\"quoted\".txt"]),
        ("\"quoted\"", vec!["a\"quoted\".txt"]),
        // Names cannot hold `\`; the query is still only text.
        ("\\", vec![]),
        ("k\\s", vec![]),
        ("%\\_", vec![]),
        ("~", vec!["tilde~name.txt"]),
        ("*", vec!["star*.txt"]),
        ("star*", vec!["star*.txt"]),
        ("OR", vec!["OR.txt"]),
        ("NEAR(", vec![]),
        ("a OR b", vec![]),
        ("x AND NOT y", vec![]),
        ("'; DROP TABLE files; --", vec![]),
        ("^col:*", vec![]),
        ("{a b}", vec![]),
    ];
    for (q, want) in expect {
        let r = app.search(&alice.token, &[("q", q)]).await;
        assert_eq!(r.status, 200, "{q:?}: {}", r.text());
        assert_eq!(names(&r.json()), want, "{q:?}");
    }
    let long = "x".repeat(10 * 1024);
    for q in ["", "   ", "a\u{0}b", "line\nbreak", "\u{7}", long.as_str(), &"y".repeat(201)] {
        let r = app.search(&alice.token, &[("q", q)]).await;
        assert_eq!(r.status, 400, "{q:?}: {}", r.text());
        assert_eq!(r.code(), "validation_failed");
        assert!(r.json()["errors"]["q"].is_array(), "{}", r.text());
    }
    let r = app.get_bearer("/api/v1/search", &alice.token).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["q"].is_array(), "{}", r.text());
    for (k, v) in [("type", "pdf"), ("limit", "0"), ("limit", "201"), ("limit", "x")] {
        let r = app.search(&alice.token, &[("q", "txt"), (k, v)]).await;
        assert_eq!(r.status, 400, "{k}={v}: {}", r.text());
        assert!(r.json()["errors"][k].is_array(), "{}", r.text());
    }
    // The database's answer, not only the API's: nothing was logged as an error.
    assert!(!app.log.text().contains("ERROR"), "{}", app.log.text());
}

#[actix_web::test]
async fn another_users_and_trashed_files_are_never_found_and_restore_brings_them_back() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bobby").await;
    app.put(&bob.token, None, "secret plans.txt", b"x").await;
    let bob_dir = app.mkdir(&bob.token, "plans", None).await;
    assert!(app.found(&alice.token, "plans").await.is_empty());
    assert!(app.found(&alice.token, "pl").await.is_empty());
    let r = app.search(&alice.token, &[("q", "plans"), ("folder", &bob_dir)]).await;
    assert_eq!(r.status, 404, "{}", r.text());

    let dir = app.mkdir(&alice.token, "trip", None).await;
    let inside = app.put(&alice.token, Some(&dir), "beach trip.jpg", PNG).await;
    let alone = app.put(&alice.token, None, "trip notes.txt", b"x").await;
    assert_eq!(app.found(&alice.token, "trip").await.len(), 3);
    for id in [&dir, &alone] {
        let r = app
            .send(
                TestRequest::delete()
                    .uri(&format!("/api/v1/files/{id}"))
                    .insert_header(("Authorization", format!("Bearer {}", alice.token))),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    assert!(app.found(&alice.token, "trip").await.is_empty());
    assert!(app.found(&alice.token, "ea").await.is_empty());
    let r = app.search(&alice.token, &[("q", "beach"), ("folder", &dir)]).await;
    assert_eq!(r.status, 404, "{}", r.text());

    let r = app.post_bearer(&format!("/api/v1/trash/{dir}/restore"), &alice.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut back = app.found(&alice.token, "trip").await;
    back.sort();
    assert_eq!(back, ["beach trip.jpg", "trip"]);
    let r = app.search(&alice.token, &[("q", "beach")]).await;
    let item = &r.json()["items"][0];
    assert_eq!(item["id"], inside.as_str());
    assert_eq!(item["path"], "/trip");
}

#[actix_web::test]
async fn a_renamed_file_is_found_by_its_new_name_only() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.put(&alice.token, None, "draft-version.txt", b"x").await;
    app.rename(&alice.token, &id, "Final Übersicht.txt").await;
    assert!(app.found(&alice.token, "draft").await.is_empty());
    assert!(app.found(&alice.token, "dr").await.is_empty());
    assert_eq!(app.found(&alice.token, "ubersicht").await, ["Final Übersicht.txt"]);
    assert_eq!(app.found(&alice.token, "ü").await, ["Final Übersicht.txt"]);
}

#[actix_web::test]
async fn the_folder_filter_searches_the_whole_subtree_and_items_carry_their_path() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photos = app.mkdir(&alice.token, "Photos", None).await;
    let y2024 = app.mkdir(&alice.token, "2024", Some(&photos)).await;
    let summer = app.mkdir(&alice.token, "summer", Some(&y2024)).await;
    let other = app.mkdir(&alice.token, "Other", None).await;
    app.put(&alice.token, None, "cat root.png", PNG).await;
    app.put(&alice.token, Some(&photos), "cat top.png", PNG).await;
    app.put(&alice.token, Some(&summer), "cat deep.png", PNG).await;
    app.put(&alice.token, Some(&other), "cat other.png", PNG).await;

    let r = app.search(&alice.token, &[("q", "cat"), ("folder", &photos)]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.json();
    let mut got: Vec<(String, String)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["name"].as_str().expect("n").into(), i["path"].as_str().expect("p").into()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("cat deep.png".to_owned(), "/Photos/2024/summer".to_owned()),
            ("cat top.png".to_owned(), "/Photos".to_owned())
        ]
    );
    let r = app.search(&alice.token, &[("q", "cat"), ("folder", &summer)]).await;
    assert_eq!(names(&r.json()), ["cat deep.png"]);
    let r = app.search(&alice.token, &[("q", "cat root")]).await;
    let item = &r.json()["items"][0];
    assert_eq!(item["path"], "/");
    assert_eq!(item["starred"], false);
    assert_eq!(item["kind"], "file");
    assert_eq!(item["mime"], "image/png");
    assert!(item["folder"].is_null());
    assert!(item["preview_url"].as_str().is_some_and(|u| u.starts_with("/preview/")), "{item}");
    // A file is not a folder to search in.
    let file = item["id"].as_str().expect("id");
    let r = app.search(&alice.token, &[("q", "cat"), ("folder", file)]).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["folder"].is_array(), "{}", r.text());
}

#[actix_web::test]
async fn the_type_filter_picks_images_videos_audio_documents_or_folders() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.put(&alice.token, None, "mix image.png", PNG).await;
    app.put(&alice.token, None, "mix video.mp4", MP4).await;
    app.put(&alice.token, None, "mix audio.mp3", MP3).await;
    app.put(&alice.token, None, "mix paper.pdf", PDF).await;
    app.put(&alice.token, None, "mix notes.txt", b"plain text").await;
    app.put(&alice.token, None, "mix blob.bin", b"\x00\x01\x02\x03\xff").await;
    app.mkdir(&alice.token, "mix folder", None).await;
    for (kind, want) in [
        ("image", vec!["mix image.png"]),
        ("video", vec!["mix video.mp4"]),
        ("audio", vec!["mix audio.mp3"]),
        ("document", vec!["mix notes.txt", "mix paper.pdf"]),
        ("folder", vec!["mix folder"]),
    ] {
        let r = app.search(&alice.token, &[("q", "mix"), ("type", kind)]).await;
        assert_eq!(r.status, 200, "{kind}: {}", r.text());
        let mut got = names(&r.json());
        got.sort();
        assert_eq!(got, want, "{kind}");
    }
    assert_eq!(app.found(&alice.token, "mix").await.len(), 7);
}

#[actix_web::test]
async fn exact_names_come_first_then_prefixes_then_the_newest() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut ids = Vec::new();
    for name in ["old report.txt", "report", "my report new.txt", "Report 2.txt", "new report.txt"]
    {
        ids.push(app.put(&alice.token, None, name, b"x").await);
    }
    // "report" and "Report 2.txt" are the oldest: rank beats time.
    for (id, seconds) in ids.iter().zip([30, 1, 50, 2, 40]) {
        app.set_modified(id, at(seconds));
    }
    assert_eq!(
        app.found(&alice.token, "report").await,
        ["report", "Report 2.txt", "my report new.txt", "new report.txt", "old report.txt"]
    );
}

#[actix_web::test]
async fn cursor_pages_cover_every_hit_once_in_order() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut ids = Vec::new();
    for i in 0..23 {
        ids.push(app.put(&alice.token, None, &format!("page {i:02}.txt"), b"x").await);
    }
    ids.push(app.put(&alice.token, None, "page", b"x").await);
    // Ties on time, so the id decides between them.
    for (n, id) in ids.iter().enumerate() {
        app.set_modified(id, at(i64::try_from(n % 4).expect("small")));
    }
    let whole = app.found(&alice.token, "page").await;
    assert_eq!(whole.len(), 24);
    assert_eq!(whole[0], "page");
    for q in ["page", "pa", "ge 0"] {
        let all = app.found(&alice.token, q).await;
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..30 {
            let mut pairs = vec![("q", q), ("limit", "5")];
            if let Some(c) = &cursor {
                pairs.push(("cursor", c));
            }
            let r = app.search(&alice.token, &pairs).await;
            assert_eq!(r.status, 200, "{}", r.text());
            let page = r.json();
            assert!(names(&page).len() <= 5);
            seen.extend(names(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, all, "{q}");
    }
    // A full last page says there is no more.
    let r = app.search(&alice.token, &[("q", "page"), ("limit", "24")]).await;
    assert!(r.json()["next_cursor"].is_null());
    for forged in ["not-a-cursor", "djE6MDoxOjsnOy0t", "%%%", "AAAA"] {
        let r = app.search(&alice.token, &[("q", "page"), ("cursor", forged)]).await;
        assert_eq!(r.status, 400, "{forged}: {}", r.text());
        assert_eq!(r.code(), "validation_failed");
        assert!(r.json()["errors"]["cursor"].is_array(), "{}", r.text());
    }
}

#[actix_web::test]
async fn the_search_page_lists_hits_with_their_folder_in_both_languages() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let dir = app.mkdir(&alice.token, "家庭", None).await;
    app.put(&alice.token, Some(&dir), "家庭照片2024.jpg", PNG).await;
    app.put(&alice.token, None, "unrelated.txt", b"x").await;
    let session = app.web_login("alice", &alice.password).await;

    let page = app
        .send(TestRequest::get().uri("/search?q=%E7%85%A7").cookie(session_cookie(&session)))
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("家庭照片2024.jpg"), "{html}");
    assert!(html.contains(&format!("href=\"/files?folder={dir}\"")), "{html}");
    assert!(!html.contains("unrelated.txt"));
    assert!(html.contains("name=\"type\""), "the type filter: {html}");
    assert!(html.contains("lang=\"en\"") && html.contains("Search"), "{html}");

    let zh = app
        .send(
            TestRequest::get()
                .uri("/search?q=%E7%85%A7")
                .cookie(session_cookie(&session))
                .cookie(actix_web::cookie::Cookie::new("homedisk_lang", "zh-CN")),
        )
        .await;
    assert_eq!(zh.status, 200);
    let zh = zh.text();
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("搜索"), "{zh}");
    assert!(zh.contains("家庭照片2024.jpg"));

    // The search box is on the files page, a plain GET form (no script needed).
    let files = app.send(TestRequest::get().uri("/files").cookie(session_cookie(&session))).await;
    assert!(files.text().contains("action=\"/search\""), "{}", files.text());

    // Bad input re-renders the page with the message, not an error page.
    let long = format!("/search?q={}", "x".repeat(300));
    let bad = app.send(TestRequest::get().uri(&long).cookie(session_cookie(&session))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("at most 200 characters"), "{}", bad.text());

    // "More" pages through the results without JavaScript.
    for i in 0..3 {
        app.put(&alice.token, None, &format!("more {i}.txt"), b"x").await;
    }
    let first = app
        .send(TestRequest::get().uri("/search?q=more&limit=2").cookie(session_cookie(&session)))
        .await
        .text();
    let href = first
        .split("class=\"more\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("a more link: {first}"))
        .replace("&amp;", "&");
    let second =
        app.send(TestRequest::get().uri(&href).cookie(session_cookie(&session))).await.text();
    assert!(second.contains("more 0.txt"), "{second}");

    // Logged out: to the login page.
    let anon = app.send(TestRequest::get().uri("/search?q=x")).await;
    assert_eq!(anon.status, 303);
}

#[actix_web::test]
async fn cursor_pages_cross_from_exact_to_prefix_to_contains_without_gaps() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let titles = ["cat", "cat 1", "cat 2", "cat 3", "a cat", "b cat", "concat", "scat 2", "dog"];
    let mut ids = Vec::new();
    for name in titles {
        ids.push(app.put(&alice.token, None, name, b"x").await);
    }
    // Ties on time within each tier, so pages end between equal times too.
    for (n, id) in ids.iter().enumerate() {
        app.set_modified(id, at(i64::try_from(n % 3).expect("small")));
    }
    // "cat" reads its contains tier from the trigram index, "ca" (no trigram) walks the rows.
    for q in ["cat", "ca"] {
        let all = app.found(&alice.token, q).await;
        let mut want: Vec<&str> = titles.iter().copied().filter(|n| n.contains(q)).collect();
        want.sort();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, want, "{q}");
        for limit in ["1", "2", "3"] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..20 {
                let mut pairs = vec![("q", q), ("limit", limit)];
                if let Some(c) = &cursor {
                    pairs.push(("cursor", c));
                }
                let page = app.search(&alice.token, &pairs).await.json();
                seen.extend(names(&page));
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            assert_eq!(seen, all, "{q} limit {limit}");
        }
    }
    let all = app.found(&alice.token, "cat").await;
    assert_eq!(all[0], "cat");
    assert!(all[1..4].iter().all(|n| n.starts_with("cat ")), "{all:?}");
}
