//! Pages of `GET /api/v1/files` (`limit`, `cursor`, `next_cursor`): every order pages through
//! to exactly the whole listing, pages stay right while files are added between them (keyset
//! paging: nothing seen twice or skipped), and bad limits or cursors are 400.

use serde_json::Value;

use crate::files::{FilesApi, id_of};
use crate::helpers::spawn_app;

/// Every page from the start, `limit` at a time: (ids in order, number of pages).
async fn page_through(app: &impl FilesApi, token: &str, query: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let q = match &cursor {
            Some(c) => format!("{query}&limit={limit}&cursor={c}"),
            None => format!("{query}&limit={limit}"),
        };
        let page = app.listing(token, &q).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= limit, "{q}: {} items", items.len());
        ids.extend(items.iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("{query}: more than 100 pages");
}

fn all_ids(listing: &Value) -> Vec<String> {
    listing["items"].as_array().expect("items").iter().map(id_of).collect()
}

#[actix_web::test]
async fn every_order_pages_through_the_whole_listing_even_while_files_arrive() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let token = alice.token.as_str();
    for name in ["Zeta", "alpha", "Mid"] {
        app.mkdir(token, name, None).await;
    }
    // Equal sizes and names differing only in case: ties the id must break.
    for i in 0..23 {
        let name = format!("{}-{i:02}.txt", ["b", "B", "c", "a"][i % 4]);
        app.upload(token, &name, &vec![b'x'; 10 + (i % 5)]).await;
    }
    for sort in ["name", "date", "size"] {
        for order in ["asc", "desc"] {
            let query = format!("?sort={sort}&order={order}");
            let whole = app.listing(token, &query).await;
            assert_eq!(whole["next_cursor"], Value::Null, "26 items fit the default page");
            let paged = page_through(&app, token, &query, 4).await;
            assert_eq!(paged, all_ids(&whole), "{query}: paged = whole, same order");
        }
    }

    // Start paging, add files before and after the cursor, go on: nothing twice, nothing
    // skipped of what was there, and what sorts after the cursor shows up.
    let first = app.listing(token, "?sort=name&limit=10").await;
    let mut seen = all_ids(&first);
    let cursor = first["next_cursor"].as_str().expect("more pages").to_owned();
    let early = id_of(&app.upload(token, "0-early.txt", b"early").await);
    let late = id_of(&app.upload(token, "zz-late.txt", b"late").await);
    let mut next = Some(cursor);
    while let Some(c) = next {
        let page = app.listing(token, &format!("?sort=name&limit=10&cursor={c}")).await;
        seen.extend(all_ids(&page));
        next = page["next_cursor"].as_str().map(str::to_owned);
    }
    let whole = all_ids(&app.listing(token, "?sort=name").await);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no item twice");
    assert!(seen.contains(&late), "a file sorting after the cursor appears");
    assert!(!seen.contains(&early), "one sorting before it does not (it was passed)");
    let expected: Vec<&String> = whole.iter().filter(|id| **id != early).collect();
    assert_eq!(seen.iter().collect::<Vec<_>>(), expected, "everything else, in order");
}

#[actix_web::test]
async fn bad_limits_and_cursors_are_400() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for i in 0..3 {
        app.upload(&alice.token, &format!("f{i}.txt"), b"x").await;
    }
    let page = app.listing(&alice.token, "?sort=name&limit=2").await;
    let cursor = page["next_cursor"].as_str().expect("a next page").to_owned();
    for query in [
        "?limit=0".to_owned(),
        "?limit=1001".to_owned(),
        "?limit=ten".to_owned(),
        "?cursor=not-a-cursor".to_owned(),
        format!("?sort=size&cursor={cursor}"),
        format!("?sort=name&order=desc&cursor={cursor}"),
    ] {
        let r = app.get_bearer(&format!("/api/v1/files{query}"), &alice.token).await;
        assert_eq!(r.status, 400, "{query}: {}", r.text());
        assert_eq!(r.code(), "validation_failed", "{query}");
    }
}
