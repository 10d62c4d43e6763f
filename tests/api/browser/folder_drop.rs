//! Dropping a folder on the files page (#17). WebDriver cannot drop a real folder, so the test
//! hands the page's own `drop` handler (`static/upload.js`, `static/upload-tree.js`) what
//! Chromium would: `dataTransfer.items` whose `webkitGetAsEntry()` gives FileSystem entries,
//! directories whose `createReader().readEntries()` answers in batches of at most 100 (as
//! Chromium does; a folder of 120 files takes two calls and an empty one to end) and files
//! whose `file(cb)` gives a real `File` made in the page. Then the server is asked, through the
//! API, whether the tree is there with the right bytes: a folder of the same name reused, a
//! nested folder holding only an empty folder, a loose file dropped beside the folder, and a
//! folder dropped onto a folder row landing inside that folder, and a drop of empty folders
//! only, which the listing shows.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Browser, Harness, steps, ui};

/// Files in `trip/many`: more than one `readEntries` batch.
const MANY: usize = 120;

/// Puts `window.__drop(target, tree)` in the page: fires dragenter, dragover and drop on the
/// element `target` with a DataTransfer holding `tree` (`{name, bytes}` files and `{name,
/// children}` folders) as entries. Gives whether the page took each event, and whether the
/// row around `target` (if any) was marked as the drop target after each.
const FAKE_DROP: &str = r#"
window.__drop = (target, tree) => {
  const made = n => new File([new Uint8Array(n.bytes)], n.name);
  const entry = n => n.children ? {
    isFile: false, isDirectory: true, name: n.name,
    createReader() {
      let at = 0;
      return { readEntries(ok) {
        const batch = n.children.slice(at, at + 100).map(entry);
        at += batch.length;
        setTimeout(() => ok(batch), 0);
      } };
    },
  } : {
    isFile: true, isDirectory: false, name: n.name,
    file(ok, fail) { setTimeout(() => n.gone ? fail(new Error('gone')) : ok(made(n)), 0); },
  };
  const roots = tree.map(entry);
  const dt = {
    types: ['Files'],
    items: roots.map(r => ({ kind: 'file', type: '', webkitGetAsEntry: () => r })),
    files: tree.filter(n => !n.children).map(made),
    dropEffect: 'none', effectAllowed: 'all',
  };
  const el = document.querySelector(target);
  const row = el.closest('li.item');
  const marks = [];
  const took = ['dragenter', 'dragover', 'drop'].map(type => {
    const e = new DragEvent(type, { bubbles: true, cancelable: true });
    Object.defineProperty(e, 'dataTransfer', { value: dt });
    el.dispatchEvent(e);
    if (row) { marks.push(row.classList.contains('drop-target')); }
    return e.defaultPrevented;
  });
  return [took, marks];
};
return true;
"#;

/// Every item under `folder`, walked through `GET /api/v1/files` (every page): path → (kind,
/// id).
async fn tree(b: &Browser, folder: &str) -> BTreeMap<String, (String, String)> {
    let got = b
        .eval(&format!(
            "const all = [];
             const list = async (id, path) => {{
               let cursor = '';
               do {{
                 const q = `?limit=1000&folder=${{id}}` + (cursor ? `&cursor=${{encodeURIComponent(cursor)}}` : '');
                 const j = await (await fetch('/api/v1/files' + q)).json();
                 for (const i of j.items) {{
                   const p = path ? `${{path}}/${{i.name}}` : i.name;
                   all.push([p, i.kind, i.id]);
                   if (i.kind === 'folder') {{ await list(i.id, p); }}
                 }}
                 cursor = j.next_cursor;
               }} while (cursor);
             }};
             return list('{folder}', '').then(() => all);"
        ))
        .await;
    let rows: Vec<(String, String, String)> = serde_json::from_value(got).expect("rows");
    rows.into_iter().map(|(p, k, id)| (p, (k, id))).collect()
}

/// The bytes of file `id`, from the API.
async fn bytes(b: &Browser, id: &str) -> Vec<u8> {
    let got = b
        .eval(&format!(
            "return fetch('/api/v1/files/{id}/content').then(r => r.arrayBuffer()).then(a => [...new Uint8Array(a)]);"
        ))
        .await;
    serde_json::from_value(got).expect("bytes")
}

async fn api_post(b: &Browser, path: &str, body: Value) -> Value {
    b.eval(&format!(
        "return fetch('{path}', {{method: 'POST', headers: {{'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}}, body: JSON.stringify({body})}}).then(r => r.json());"
    ))
    .await
}

fn file(name: &str, bytes: &[u8]) -> Value {
    json!({ "name": name, "bytes": bytes })
}

fn dir(name: &str, children: Vec<Value>) -> Value {
    json!({ "name": name, "children": children })
}

/// Drops `tree` on `target` and waits for the listing the page reloads when it is done;
/// nothing may fail unless `failures` says so.
async fn drop_and_wait(b: &Browser, target: &str, tree: &Value, failures: bool) {
    b.eval(FAKE_DROP).await;
    b.eval("window.__before_upload = true; return true;").await;
    let target = Value::String(target.to_owned());
    let got = b.eval(&format!("return window.__drop({target}, {tree});")).await;
    assert_eq!(got[0], json!([true, true, true]), "the page took the drag and the drop");
    if target.as_str().is_some_and(|t| t.contains("li.item")) {
        // The folder row is marked while the drag is over it, and no longer after the drop.
        assert_eq!(got[1], json!([false, true, false]), "the folder row as the drop target");
    }
    let start = Instant::now();
    loop {
        let reloaded = b
            .eval("return window.__before_upload === undefined && document.readyState === 'complete';")
            .await;
        if reloaded == true {
            break;
        }
        let failed = b
            .eval("return [...document.querySelectorAll('#uploads li.failed')].map(l => l.textContent);")
            .await;
        assert!(failures || failed == json!([]), "no upload failed: {failed}");
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the page never reloaded after the drop"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One round in folder `name`: a tree dropped on the listing, then a folder onto a folder row.
async fn round(b: &Browser, name: &str, unreadable: &str) {
    b.goto(ui::FILES).await;
    let here = api_post(b, "/api/v1/folders", json!({ "name": name })).await;
    let here = here["id"].as_str().expect("folder id").to_owned();
    // "trip" exists here already, with a file: the drop reuses it rather than making "trip (1)".
    let trip = api_post(b, "/api/v1/folders", json!({ "name": "trip", "folder": here })).await;
    let trip = trip["id"].as_str().expect("trip id").to_owned();
    b.eval(&format!(
        "const fd = new FormData(); fd.append('folder', '{trip}'); fd.append('file', new Blob(['old']), 'old.txt');
         return fetch('/api/v1/files', {{method: 'POST', headers: {{'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}}, body: fd}}).then(r => r.status);"
    ))
    .await;
    api_post(b, "/api/v1/folders", json!({ "name": "Pictures", "folder": here })).await;
    b.goto(&format!("/files?folder={here}")).await;
    b.wait_for("#items > li.item[data-name='Pictures']").await;

    let every_byte: Vec<u8> = (0..=255).collect();
    let many: Vec<Value> =
        (0..MANY).map(|i| file(&format!("n-{i:03}.txt"), i.to_string().as_bytes())).collect();
    let dropped = json!([
        dir(
            "trip",
            vec![
                file("a.txt", b"alpha\n"),
                file("bin.dat", &every_byte),
                dir("many", many),
                dir("empty", vec![dir("inner", vec![])]),
            ],
        ),
        file("loose.txt", "松散 loose".as_bytes()),
    ]);
    drop_and_wait(b, "#items", &dropped, false).await;

    let got = tree(b, &here).await;
    let kind = |p: &str| {
        got.get(p).map(|(k, _)| k.as_str()).unwrap_or_else(|| panic!("{p} in {:?}", got.keys()))
    };
    for folder in ["trip", "trip/many", "trip/empty", "trip/empty/inner", "Pictures"] {
        assert_eq!(kind(folder), "folder", "{folder}");
    }
    assert_eq!(got.get("trip").map(|(_, id)| id), Some(&trip), "the same trip, reused");
    assert!(!got.keys().any(|p| p.starts_with("trip (")), "no second trip: {:?}", got.keys());
    let files: Vec<&String> =
        got.iter().filter(|(_, (k, _))| k == "file").map(|(p, _)| p).collect();
    assert_eq!(files.len(), MANY + 4, "old, a, bin, loose and the many: {files:?}");
    assert_eq!(got.keys().filter(|p| p.starts_with("trip/many/")).count(), MANY, "both batches");
    let id = |p: &str| got[p].1.clone();
    assert_eq!(bytes(b, &id("trip/a.txt")).await, b"alpha\n");
    assert_eq!(bytes(b, &id("trip/bin.dat")).await, every_byte);
    assert_eq!(bytes(b, &id("trip/old.txt")).await, b"old");
    assert_eq!(bytes(b, &id("loose.txt")).await, "松散 loose".as_bytes());
    assert_eq!(bytes(b, &id("trip/many/n-000.txt")).await, b"0");
    let last = format!("trip/many/n-{:03}.txt", MANY - 1);
    assert_eq!(bytes(b, &id(&last)).await, (MANY - 1).to_string().as_bytes());

    // Onto a folder row: into that folder.
    let album = json!([dir("album", vec![file("p.txt", b"picture notes")])]);
    drop_and_wait(b, "#items > li.item[data-name='Pictures'] .item-name", &album, false).await;
    let got = tree(b, &here).await;
    assert_eq!(
        got.get("Pictures/album").map(|(k, _)| k.as_str()),
        Some("folder"),
        "{:?}",
        got.keys()
    );
    assert!(!got.contains_key("album"), "not beside Pictures");
    assert_eq!(bytes(b, &got["Pictures/album/p.txt"].1).await, b"picture notes");

    // Only empty folders and a file that cannot be read (gone since the drag began): the
    // folders are made and shown (no file to wait for), the file is listed as failed, why.
    let gone = json!({ "name": "gone.txt", "gone": true });
    let blank = json!([dir("blank", vec![dir("sub", vec![]), gone])]);
    drop_and_wait(b, "#items", &blank, true).await;
    b.wait_for("#items > li.item.is-folder[data-name='blank']").await;
    let got = tree(b, &here).await;
    assert_eq!(got.get("blank/sub").map(|(k, _)| k.as_str()), Some("folder"), "{:?}", got.keys());
    assert!(!got.contains_key("blank/gone.txt"));
    let failed = b
        .eval("return [...document.querySelectorAll('#uploads li.failed')].map(l => [l.querySelector('.up-name').textContent, l.querySelector('.up-state').textContent]);")
        .await;
    assert_eq!(failed, json!([["blank/gone.txt", format!("{unreadable}: gone")]]));
    b.click("#upload-dismiss").await;
    b.wait_for("#upload-panel[hidden]").await;
}

#[actix_web::test]
async fn a_dropped_folder_tree_is_recreated_with_its_bytes_on_the_listing_and_on_a_folder() {
    let Some(h) = Harness::start("a_dropped_folder_tree_is_recreated") else { return };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let langs = [
        (ui::DESKTOP, "en", "could not be read from the dropped folder"),
        (ui::PHONE, "zh-CN", "无法从拖入的文件夹中读取"),
    ];
    for ((w, hgt), lang, unreadable) in langs {
        b.set_size(w, hgt).await;
        if lang != "en" {
            b.click(ui::USER_MENU).await;
            b.click(&ui::language_button(lang)).await;
            b.wait_until("Chinese", "document.documentElement.lang === 'zh-CN'").await;
        }
        round(&b, &format!("dropped-{lang}"), unreadable).await;
    }
    b.close().await;
}
