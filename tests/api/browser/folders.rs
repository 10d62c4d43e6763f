//! Folders first-class in the file list (#17), in Chromium at desktop and phone widths, in
//! English and Chinese: "New folder" and rename refuse a taken name inside their form (the
//! dialog stays open), F2 / Enter / Delete / arrows on the focused item, the context menu, a
//! folder renamed and moved, drag to move onto a folder and a breadcrumb (DragEvents with a
//! real DataTransfer, dispatched to the page's own handlers), a 5 000-file folder that
//! shows one page and loads the rest through "show more", and pictures that "show more" adds
//! joining the lightbox, the keyboard and the selection.

use serde_json::Value;

use super::{Browser, Harness, steps, ui};
use homedisk::db::ids::{FileId, UserId};
use homedisk::db::models::files as file_rows;

/// WebDriver key codes.
const F2: &str = "\u{E032}";
const ENTER: &str = "\u{E007}";
const DELETE: &str = "\u{E017}";
const ARROW_DOWN: &str = "\u{E015}";
const ARROW_RIGHT: &str = "\u{E014}";

/// Texts the tests expect, per language.
struct Texts {
    tag: &'static str,
    name_taken_here: &'static str,
    name_taken_there: &'static str,
    moved_one: &'static str,
    /// The lightbox's counter on the first picture of the second page (201 of 250).
    picture_201: &'static str,
}

const EN: Texts = Texts {
    tag: "en",
    name_taken_here: "Name is already used in this folder",
    name_taken_there: "Name is already used in that folder",
    moved_one: "Moved “todo.txt”.",
    picture_201: "201 of 250",
};
const ZH: Texts = Texts {
    tag: "zh-CN",
    name_taken_here: "名称 在此文件夹中已被使用",
    name_taken_there: "名称 在该文件夹中已被使用",
    moved_one: "已移动“todo.txt”。",
    picture_201: "第 201 张，共 250 张",
};

/// The row of the item named `name` (a selector).
fn row(name: &str) -> String {
    format!("#items > li.item[data-name='{name}']")
}

/// Sends a request from the page as its scripts do (session cookie, CSRF header) and waits
/// for the status; gives the JSON answer.
async fn api(b: &Browser, method: &str, path: &str, body: &str) -> Value {
    let script = format!(
        "window.__api = null;
         const csrf = document.querySelector('meta[name=csrf-token]').content;
         const body = {body};
         const init = {{ method: '{method}', headers: {{ 'X-CSRF-Token': csrf }} }};
         if (body instanceof FormData) {{ init.body = body; }}
         else if (body) {{ init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }}
         fetch('{path}', init).then(r => r.text().then(t => {{ window.__api = [r.status, t]; }}));
         return true;"
    );
    b.eval(&script).await;
    b.wait_until(&format!("{method} {path}"), "window.__api !== null").await;
    let answer = b.eval("return window.__api;").await;
    let status = answer[0].as_u64().unwrap_or_default();
    assert!((200..300).contains(&status), "{method} {path}: {answer}");
    serde_json::from_str(answer[1].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

async fn mkdir(b: &Browser, name: &str, parent: Option<&str>) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("'{p}'"));
    let v =
        api(b, "POST", "/api/v1/folders", &format!("{{ name: '{name}', folder: {parent} }}")).await;
    v["id"].as_str().expect("folder id").to_owned()
}

async fn upload_text(b: &Browser, name: &str, folder: Option<&str>) -> String {
    let folder = folder.map(|f| format!("fd.append('folder', '{f}');")).unwrap_or_default();
    let body = format!(
        "(() => {{ const fd = new FormData(); {folder} fd.append('file', new Blob(['hello']), '{name}'); return fd; }})()"
    );
    let v = api(b, "POST", "/api/v1/files", &body).await;
    v["items"][0]["id"].as_str().expect("file id").to_owned()
}

/// Drags the row `from` onto `to` (a selector) with the events a mouse drag fires, sharing
/// one DataTransfer as the browser does.
async fn drag(b: &Browser, from: &str, to: &str) {
    let (from, to) = (Value::String(from.to_owned()), Value::String(to.to_owned()));
    let script = format!(
        "const src = document.querySelector({from}).querySelector('.item-name');
         const dst = document.querySelector({to});
         const dt = new DataTransfer();
         const fire = (el, type) => {{
           const e = new DragEvent(type, {{ bubbles: true, cancelable: true, dataTransfer: dt }});
           el.dispatchEvent(e);
           return e.defaultPrevented;
         }};
         fire(src, 'dragstart');
         fire(dst, 'dragenter');
         const accepted = fire(dst, 'dragover');
         const highlighted = dst.classList.contains('drop-target');
         if (accepted) {{ fire(dst, 'drop'); }}
         fire(src, 'dragend');
         return [accepted, highlighted];"
    );
    let got = b.eval(&script).await;
    assert_eq!(got, serde_json::json!([true, true]), "the drop target took the drag");
}

/// Waits until the page that a form led to has loaded and its scripts ran (app.js takes the
/// `notice` out of the address once shown).
async fn settled(b: &Browser) {
    b.wait_until(
        "the page loaded",
        "document.readyState === 'complete' && !location.search.includes('notice=')",
    )
    .await;
}

async fn focus(b: &Browser, css: &str) {
    let css = Value::String(format!("{css} .item-main"));
    b.eval(&format!("document.querySelector({css}).focus(); return true;")).await;
}

async fn switch_language(b: &Browser, tag: &str) {
    b.click(ui::USER_MENU).await;
    b.click(&ui::language_button(tag)).await;
    b.wait_until("the page in the language", &format!("document.documentElement.lang === '{tag}'"))
        .await;
}

/// New folder, both clashes inline, F2 / context-menu rename, move through the organize page.
async fn create_rename_and_move(b: &Browser, t: &Texts) {
    b.goto(ui::FILES).await;
    b.click("details.new-folder > summary").await;
    b.fill("#folder-name", "Photos").await;
    b.click("#new-folder-form button[type=submit]").await;
    b.wait_for(&row("Photos")).await;

    // A taken name: the message inside the open form, the page never left.
    b.click("details.new-folder > summary").await;
    b.fill("#folder-name", "Photos").await;
    b.click("#new-folder-form button[type=submit]").await;
    b.wait_until("the inline error", "!document.getElementById('folder-name-error').hidden").await;
    assert_eq!(b.text("#folder-name-error").await, t.name_taken_here);
    assert_eq!(b.eval("return document.querySelector('details.new-folder').open;").await, true);
    b.press("\u{E00C}").await; // Escape closes it

    upload_text(b, "note.txt", None).await;
    mkdir(b, "Docs", None).await;
    b.reload().await;

    // F2 on the focused file: the dialog; a taken name keeps it open with the message.
    focus(b, &row("note.txt")).await;
    b.press(F2).await;
    b.wait_for("dialog#rename-dialog[open]").await;
    assert_eq!(b.eval("return document.getElementById('rename-name').value;").await, "note.txt");
    b.eval("document.getElementById('rename-name').value = ''; return true;").await;
    b.fill("#rename-name", "Docs").await;
    b.press(ENTER).await;
    b.wait_until("the rename error", "!document.getElementById('rename-error').hidden").await;
    assert_eq!(b.text("#rename-error").await, t.name_taken_there);
    b.wait_for("dialog#rename-dialog[open]").await;
    b.eval("document.getElementById('rename-name').value = ''; return true;").await;
    b.fill("#rename-name", "todo.txt").await;
    b.press(ENTER).await;
    b.wait_for(&row("todo.txt")).await;
    settled(b).await;

    // The context menu renames a folder.
    let photos = Value::String(row("Photos"));
    b.eval(&format!(
        "const r = document.querySelector({photos}).getBoundingClientRect();
         document.querySelector({photos}).querySelector('.item-name').dispatchEvent(new MouseEvent('contextmenu',
           {{ bubbles: true, cancelable: true, clientX: r.left + 20, clientY: r.top + 10 }}));
         return true;"
    ))
    .await;
    b.click("#context-menu:not([hidden]) button[data-action=rename]").await;
    b.wait_for("dialog#rename-dialog[open]").await;
    b.eval("document.getElementById('rename-name').value = ''; return true;").await;
    b.fill("#rename-name", "Pictures").await;
    b.press(ENTER).await;
    b.wait_for(&row("Pictures")).await;
    settled(b).await;

    // Move a folder from its row's menu: the organize page, then back here.
    let href = b
        .eval(&format!(
            "return document.querySelector({:?}).getAttribute('href');",
            format!("{} .menu-move", row("Docs"))
        ))
        .await;
    b.goto(href.as_str().expect("the row menu's move link")).await;
    b.wait_for("#move-form").await;
    b.eval(
        "const label = [...document.querySelectorAll('#move-form label.pick')]
           .find(l => l.textContent.trim() === '/Pictures');
         label.querySelector('input').click(); return true;",
    )
    .await;
    b.click("#move-form button[type=submit]").await;
    b.wait_for(&row("Pictures")).await;
    assert!(b.find_all(&row("Docs")).await.is_empty(), "Docs moved away");
}

/// Drag onto a folder and onto a breadcrumb, a stale drag that fails with a message, and
/// Enter / arrows / Delete on the focused item.
async fn drag_and_keys(b: &Browser, t: &Texts) {
    b.goto(ui::FILES).await;
    drag(b, &row("todo.txt"), &row("Pictures")).await;
    b.wait_until("the moved toast", "!!document.querySelector('#toasts .toast.ok')").await;
    let toast = b.text_content("#toasts .toast.ok:last-child").await;
    assert_eq!(toast, t.moved_one);
    assert!(b.find_all(&row("todo.txt")).await.is_empty(), "gone from here");

    // Enter opens the focused folder; arrows walk the list.
    focus(b, &row("Pictures")).await;
    b.press(ENTER).await;
    b.wait_for(&row("todo.txt")).await;
    let pictures = b.eval("return document.getElementById('items').dataset.folder;").await;
    let inner = mkdir(b, "Inner", pictures.as_str()).await;
    b.reload().await;
    b.wait_for(&row("Inner")).await;
    focus(b, &row("Docs")).await;
    b.press(ARROW_DOWN).await;
    let focused = b.eval("return document.activeElement.closest('li').dataset.name;").await;
    assert_eq!(focused, "Inner");

    // Onto the breadcrumb of the top level.
    drag(b, &row("todo.txt"), ".crumbs a[data-drop-folder='']").await;
    b.wait_until("moved up", "!document.querySelector(\"#items li[data-name='todo.txt']\")").await;

    // A stale row (Docs went to the trash meanwhile) is not moved, and the toast says so.
    let docs =
        b.eval(&format!("return document.querySelector({:?}).dataset.id;", row("Docs"))).await;
    api(b, "DELETE", &format!("/api/v1/files/{}", docs.as_str().expect("id")), "null").await;
    drag(b, &row("Docs"), &row("Inner")).await;
    b.wait_until("the failure toast", "!!document.querySelector('#toasts .toast.err')").await;
    assert!(!b.find_all(&row("Inner")).await.is_empty(), "{inner} stays");

    // Delete on the focused item asks first, then trashes it.
    b.goto(ui::FILES).await;
    focus(b, &row("todo.txt")).await;
    b.press(DELETE).await;
    b.click(ui::CONFIRM_OK).await;
    b.wait_until("deleted", "!document.querySelector(\"#items li[data-name='todo.txt']\")").await;
}

/// The whole flow on a fresh server (registration may close after the first account).
async fn organize_in(user: &str, size: (u32, u32), t: &Texts) {
    let Some(h) = Harness::start("folders_are_created_renamed_moved_and_dragged") else { return };
    let b = h.browser().await;
    steps::register(&b, user).await;
    if t.tag != "en" {
        switch_language(&b, t.tag).await;
    }
    b.set_size(size.0, size.1).await;
    create_rename_and_move(&b, t).await;
    drag_and_keys(&b, t).await;
    b.close().await;
}

#[actix_web::test]
async fn folders_are_created_renamed_moved_and_dragged_with_inline_errors_and_keys() {
    organize_in("alice", ui::DESKTOP, &EN).await;
    organize_in("bob", ui::PHONE, &ZH).await;
}

#[actix_web::test]
async fn a_five_thousand_file_folder_shows_one_page_and_more_loads_the_rest() {
    let Some(h) = Harness::start("a_five_thousand_file_folder_shows_one_page") else { return };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let big = mkdir(&b, "Big", None).await;
    let seed = upload_text(&b, "seed.txt", Some(&big)).await;
    let me = api(&b, "GET", "/api/v1/me", "null").await;
    let owner = UserId(me["id"].as_str().expect("user id").to_owned());
    let pool = h.server.database();
    let mut conn = pool.get().expect("connection");
    let row = file_rows::find_owned(&mut conn, &owner, &FileId(seed)).expect("seed");
    crate::folder_pages::seed_copies(&mut conn, &row, 4_999);

    for (width, height) in [ui::DESKTOP, ui::PHONE] {
        b.set_size(width, height).await;
        b.goto(&format!("/files?folder={big}")).await;
        b.wait_for("#more-link").await;
        let shown = b.eval("return document.querySelectorAll('#items > li').length;").await;
        assert_eq!(shown, 200, "one page at first");
    }
    // "Show more" (clicked, or scrolled into view) until everything is there: a page a step.
    for n in (400..=5000).step_by(200) {
        b.eval(
            "const more = document.getElementById('more-link');
             if (more) { more.scrollIntoView(); more.click(); } return true;",
        )
        .await;
        b.wait_until(
            &format!("{n} items"),
            &format!("document.querySelectorAll('#items > li').length >= {n}"),
        )
        .await;
    }
    b.wait_until("no more link", "!document.getElementById('more-link')").await;
    let count = b.eval("return document.querySelectorAll('#items > li').length;").await;
    assert_eq!(count, 5000);
    let unique = b
        .eval("return new Set([...document.querySelectorAll('#items > li')].map(li => li.dataset.id)).size;")
        .await;
    assert_eq!(unique, 5000);
    b.close().await;
}

/// A picture uploaded through the API from the page (a 1×1 PNG); its id.
async fn upload_png(b: &Browser, name: &str, folder: &str) -> String {
    let bytes = crate::files::png_1x1().iter().map(u8::to_string).collect::<Vec<_>>().join(",");
    let body = format!(
        "(() => {{ const fd = new FormData(); fd.append('folder', '{folder}');
           fd.append('file', new Blob([new Uint8Array([{bytes}])], {{ type: 'image/png' }}), '{name}');
           return fd; }})()"
    );
    let v = api(b, "POST", "/api/v1/files", &body).await;
    v["items"][0]["id"].as_str().expect("file id").to_owned()
}

/// The last picture of the first page opened, then → (or the key that walks the list):
/// `img-0200.png`, the first of the second page, whether that page came by scrolling before
/// (`scrolled`) or is fetched by the lightbox itself when → reaches the end of what is loaded.
async fn next_reaches_the_second_page(b: &Browser, album: &str, t: &Texts, scrolled: bool) {
    b.goto(&format!("/files?folder={album}")).await;
    b.wait_for("#more-link").await;
    assert_eq!(b.eval("return document.querySelectorAll('#items > li').length;").await, 200);
    if scrolled {
        b.eval("document.getElementById('more-link').scrollIntoView(); return true;").await;
        b.wait_until("the second page", "document.querySelectorAll('#items > li').length === 250")
            .await;
    }
    // Opened from a script: a click would scroll the row into view, and the observer would
    // fetch the second page before → could ask for it.
    b.eval(&format!(
        "document.querySelector({:?}).click(); return true;",
        format!("{} a[data-lightbox]", row("img-0199.png"))
    ))
    .await;
    b.wait_for(ui::LIGHTBOX_IMAGE).await;
    assert_eq!(b.text("#lightbox-name").await, "img-0199.png");
    b.press(ARROW_RIGHT).await;
    b.wait_until(
        "the first picture of the second page",
        "document.getElementById('lightbox-name').textContent === 'img-0200.png'",
    )
    .await;
    assert_eq!(b.text(ui::LIGHTBOX_COUNT).await, t.picture_201);
    b.press("\u{E00C}").await; // Esc
    b.wait_until("the lightbox closed", "!document.querySelector('dialog#lightbox').open").await;
    assert_eq!(b.eval("return document.querySelectorAll('#items > li').length;").await, 250);

    // The keyboard walks from the first page into the second.
    focus(b, &row("img-0199.png")).await;
    let grid =
        b.eval("return document.getElementById('items').classList.contains('view-grid');").await;
    b.press(if grid == true { ARROW_RIGHT } else { ARROW_DOWN }).await;
    let focused = b.eval("return document.activeElement.closest('li').dataset.name;").await;
    assert_eq!(focused, "img-0200.png");
    // Select all (Ctrl+A) takes in the added rows.
    b.press("\u{E009}a").await;
    let checked =
        b.eval("return document.querySelectorAll('#items input.select:checked').length;").await;
    assert_eq!(checked, 250);
    assert!(b.text("#selected-count").await.contains("250"));
}

#[actix_web::test]
async fn pictures_that_show_more_adds_join_the_lightbox_the_keyboard_and_the_selection() {
    let Some(h) = Harness::start("pictures_that_show_more_adds_join_the_lightbox") else { return };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let album = mkdir(&b, "Album", None).await;
    // Named after the copies, so by name it is the last of the second page.
    let seed = upload_png(&b, "zz-seed.png", &album).await;
    let me = api(&b, "GET", "/api/v1/me", "null").await;
    let owner = UserId(me["id"].as_str().expect("user id").to_owned());
    let pool = h.server.database();
    let mut conn = pool.get().expect("connection");
    let row = file_rows::find_owned(&mut conn, &owner, &FileId(seed)).expect("seed");
    crate::folder_pages::seed_copies_named(&mut conn, &row, 249, |i| format!("img-{i:04}.png"));

    for (size, t) in [(ui::DESKTOP, &EN), (ui::PHONE, &ZH)] {
        if t.tag != "en" {
            switch_language(&b, t.tag).await;
        }
        b.set_size(size.0, size.1).await;
        next_reaches_the_second_page(&b, &album, t, false).await;
        next_reaches_the_second_page(&b, &album, t, true).await;
    }
    b.close().await;
}
