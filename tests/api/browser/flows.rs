//! What a person does with homedisk, in a real browser: register, log in and out, upload
//! images and see them, share a preview URL, log out everywhere, administer accounts.

use homedisk::http::auth::SESSION_COOKIE;

use super::{Harness, steps, ui};

#[actix_web::test]
async fn register_then_log_out_and_log_in_again() {
    let Some(h) = Harness::start("register_then_log_out_and_log_in_again") else { return };
    let b = h.browser().await;

    steps::register(&b, "alice").await;
    let cookies = b.cookie_names().await;
    assert!(cookies.iter().any(|c| c == SESSION_COOKIE), "a session cookie: {cookies:?}");
    steps::log_out(&b).await;
    b.goto(ui::FILES).await;
    b.wait_for_path(ui::LOGIN).await;
    steps::log_in(&b, "alice", "alice").await;
    b.close().await;
}

#[actix_web::test]
async fn the_first_visit_to_an_empty_instance_creates_the_administrator() {
    let Some(h) = Harness::start("the_first_visit_to_an_empty_instance_creates_the_administrator")
    else {
        return;
    };
    let b = h.browser().await;
    for (width, height) in [ui::PHONE, ui::DESKTOP] {
        b.set_size(width, height).await;
        b.goto("/").await;
        b.wait_for_path(ui::SETUP).await;
        b.wait_for(ui::SETUP_FORM).await;
    }
    let form = ui::SETUP_FORM;
    b.fill(&ui::field(form, "username"), "root").await;
    b.fill(&ui::field(form, "password"), crate::helpers::PASSWORD).await;
    b.fill(&ui::field(form, "password_confirm"), crate::helpers::PASSWORD).await;
    b.click(&ui::submit(form)).await;
    b.wait_for_path(ui::FILES).await;
    b.wait_for(ui::NAV_ADMIN).await;
    // Gone once the administrator exists.
    steps::log_out(&b).await;
    b.goto(ui::SETUP).await;
    b.wait_for_path(ui::LOGIN).await;
    b.close().await;
}

#[actix_web::test]
async fn uploaded_images_show_as_loaded_thumbnails_and_a_large_preview() {
    let Some(h) = Harness::start("uploaded_images_show_as_loaded_thumbnails_and_a_large_preview")
    else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let dir = tempfile::TempDir::new().expect("tmp");
    let images = steps::sample_images(dir.path());

    let ids = steps::upload(&b, &images).await;
    // One thumbnail for each image, every one decoded.
    let thumbs = b.wait_images_loaded(ui::THUMBNAILS, images.len()).await;
    assert!(thumbs.iter().all(|src| src.contains("/preview/")), "{thumbs:#?}");

    b.goto(&format!("/files/{}", ids[0])).await;
    let large = b.wait_images_loaded(ui::FILE_PREVIEW, 1).await;
    assert!(large[0].contains(&format!("/preview/{}", ids[0])), "{large:?}");
    b.close().await;
}

#[actix_web::test]
async fn a_preview_url_opens_without_cookies_until_logout_everywhere() {
    let Some(h) = Harness::start("a_preview_url_opens_without_cookies_until_logout_everywhere")
    else {
        return;
    };
    let owner = h.browser().await;
    steps::register(&owner, "alice").await;
    let dir = tempfile::TempDir::new().expect("tmp");
    steps::upload(&owner, &steps::sample_images(dir.path())).await;
    let srcs = owner.wait_images_loaded(ui::GALLERY_IMAGES, 1).await;
    let url = &srcs[0];
    assert!(url.contains("token="), "a preview URL carries its token: {url}");

    // Another browser, never logged in: the URL alone opens the image.
    let stranger = h.browser().await;
    stranger.goto(url).await;
    assert!(stranger.cookie_names().await.is_empty(), "the fresh context has no cookies");
    stranger
        .wait_until(
            "the preview URL shows an image",
            "document.images.length === 1 && document.images[0].complete \
             && document.images[0].naturalWidth > 0",
        )
        .await;

    // The owner logs out everywhere; the token's session is gone, and so is the URL's power.
    owner.goto(ui::ACCOUNT).await;
    owner.click(ui::LOGOUT_EVERYWHERE).await;
    // The page asks first, in a dialog.
    owner.click(ui::CONFIRM_OK).await;
    owner.wait_for_path(ui::LOGIN).await;
    owner.goto(ui::FILES).await;
    owner.wait_for_path(ui::LOGIN).await;

    // A reload asks the server again (the browser's cached copy is not reused for it).
    stranger.reload().await;
    let seen = stranger
        .eval(
            "const img = document.images[0];
             const nav = performance.getEntriesByType('navigation')[0];
             return [img ? img.naturalWidth : 0, nav.responseStatus, document.contentType];",
        )
        .await;
    assert_eq!(seen[0], 0, "no image after logout everywhere: {seen}");
    assert_eq!(seen[1], 401, "the server refuses the URL: {seen}");
    owner.close().await;
    stranger.close().await;
}

#[actix_web::test]
async fn the_first_account_administers_and_creates_another() {
    let Some(h) = Harness::start("the_first_account_administers_and_creates_another") else {
        return;
    };
    let admin = h.browser().await;
    steps::register(&admin, "root").await;
    admin.wait_for(ui::NAV_ADMIN).await;

    admin.goto(ui::ADMIN).await;
    admin.wait_for(ui::ADMIN_FIGURES).await;
    admin.goto(ui::ADMIN_USERS).await;
    assert_eq!(user_names(&admin).await, ["root"]);

    admin.click(ui::ADMIN_NEW_USER_LINK).await;
    let form = ui::ADMIN_NEW_USER_FORM;
    admin.wait_for(form).await;
    admin.fill(&ui::field(form, "username"), "bob").await;
    admin.fill(&ui::field(form, "email"), "bob@example.com").await;
    admin.fill(&ui::field(form, "password"), crate::helpers::PASSWORD).await;
    admin.fill(&ui::field(form, "password_confirm"), crate::helpers::PASSWORD).await;
    admin.click(&ui::submit(form)).await;
    admin
        .wait_until(
            "the new account's page",
            "/^\\/admin\\/users\\/(?!new$)[^/]+$/.test(location.pathname)",
        )
        .await;
    admin.goto(ui::ADMIN_USERS).await;
    let mut names = user_names(&admin).await;
    names.sort();
    assert_eq!(names, ["bob", "root"]);

    // The new account logs in elsewhere, as a plain user: no admin pages.
    let bob = h.browser().await;
    steps::log_in(&bob, "bob@example.com", "bob").await;
    assert!(bob.find_all(ui::NAV_ADMIN).await.is_empty(), "no admin link for a user");
    bob.goto(ui::ADMIN).await;
    assert_eq!(bob.text(ui::ERROR_CODE).await, "404", "admin pages are hidden");
    admin.close().await;
    bob.close().await;
}

/// The user names listed on the accounts page.
async fn user_names(b: &super::Browser) -> Vec<String> {
    b.wait_for(ui::ADMIN_USER_LINKS).await;
    let mut names = Vec::new();
    for link in b.find_all(ui::ADMIN_USER_LINKS).await {
        names.push(link.text().await.expect("link text"));
    }
    names
}

#[actix_web::test]
async fn the_lightbox_opens_from_the_grid_moves_with_the_arrows_and_closes_with_escape() {
    let Some(h) = Harness::start("the_lightbox_opens_from_the_grid") else { return };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let dir = tempfile::TempDir::new().expect("tmp");
    let ids = steps::upload(&b, &steps::sample_images(dir.path())).await;

    // The grid, remembered across pages.
    b.click(ui::VIEW_GRID).await;
    b.wait_for(ui::GRID).await;
    b.goto(ui::FILES).await;
    b.wait_for(ui::GRID).await;

    b.click(ui::GALLERY_LINKS).await;
    let shown = b.wait_images_loaded(ui::LIGHTBOX_IMAGE, 1).await;
    assert!(shown[0].contains(&format!("/preview/{}", ids[0])), "the first image: {shown:?}");
    assert!(shown[0].contains("size=lg"), "the large preview: {shown:?}");
    assert_eq!(b.text(ui::LIGHTBOX_COUNT).await, "1 of 3");
    assert_eq!(b.eval("return location.pathname;").await, "/files", "the page stays");

    b.press("\u{E014}").await; // →
    b.wait_until(
        "the second image",
        &format!("document.querySelector('#lightbox-img').src.includes('/preview/{}')", ids[1]),
    )
    .await;
    assert_eq!(b.text(ui::LIGHTBOX_COUNT).await, "2 of 3");
    b.wait_images_loaded(ui::LIGHTBOX_IMAGE, 1).await;
    b.press("\u{E012}").await; // ←
    b.press("\u{E012}").await; // ← wraps around to the last
    assert_eq!(b.text(ui::LIGHTBOX_COUNT).await, "3 of 3");

    b.press("\u{E00C}").await; // Esc
    b.wait_until("the lightbox closed", "!document.querySelector('dialog#lightbox').open").await;
    b.close().await;
}

#[actix_web::test]
async fn the_language_switches_in_the_user_menu_and_stays_switched() {
    let Some(h) = Harness::start("the_language_switches_in_the_user_menu") else { return };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    assert_eq!(b.eval("return document.documentElement.lang;").await, "en");
    assert_eq!(b.text(ui::HEADING).await, "Your files");

    b.click(ui::USER_MENU).await;
    b.click(&ui::language_button("zh-CN")).await;
    b.wait_until("the page in Chinese", "document.documentElement.lang === 'zh-CN'").await;
    assert_eq!(b.eval("return location.pathname;").await, "/files", "back on the same page");
    assert_eq!(b.text(ui::HEADING).await, "我的文件");
    assert!(b.text(ui::VIEW_GRID).await.contains("网格"), "the toolbar too");

    // Another page, and a reload: still Chinese (a cookie, whatever the browser asks for).
    b.goto(ui::ACCOUNT).await;
    b.wait_until("the account page in Chinese", "document.documentElement.lang === 'zh-CN'").await;
    assert!(b.text("main h2").await.contains("修改密码"));
    b.reload().await;
    b.wait_until("still Chinese", "document.documentElement.lang === 'zh-CN'").await;

    // Logged out, the language menu is in the header.
    steps::log_out(&b).await;
    b.wait_until("the login page in Chinese", "document.documentElement.lang === 'zh-CN'").await;
    b.click(ui::LANG_MENU).await;
    b.click(&ui::language_button("en")).await;
    b.wait_until("English again", "document.documentElement.lang === 'en'").await;
    assert_eq!(b.text(ui::HEADING).await, "Log in to homedisk");
    b.close().await;
}

#[actix_web::test]
async fn three_images_selected_moved_one_deleted_and_restored_from_the_trash() {
    let Some(h) =
        Harness::start("three_images_selected_moved_one_deleted_and_restored_from_the_trash")
    else {
        return;
    };
    let b = h.browser().await;
    steps::register(&b, "alice").await;
    let dir = tempfile::TempDir::new().expect("tmp");
    let ids = steps::upload(&b, &steps::sample_images(dir.path())).await;

    // A folder to move them into, made with the page's own form.
    b.click(ui::NEW_FOLDER).await;
    b.fill(&ui::field(ui::NEW_FOLDER_FORM, "name"), "Album").await;
    b.click(&ui::submit(ui::NEW_FOLDER_FORM)).await;
    b.wait_for(ui::FOLDER_LINKS).await;
    let album = b
        .eval(&format!(
            "return document.querySelector({:?}).getAttribute('href').split('folder=')[1];",
            ui::FOLDER_LINKS
        ))
        .await;
    let album = album.as_str().expect("album id").to_owned();

    // Select the three images with their checkboxes; the toolbar counts them.
    for id in &ids {
        b.click(&ui::select_box(id)).await;
    }
    b.wait_until(
        "three selected",
        "document.querySelectorAll('#items input.select:checked').length === 3",
    )
    .await;
    assert!(b.text_content(ui::SELECTED_COUNT).await.contains('3'));
    b.click(&ui::batch_button("move")).await;
    b.click(&ui::pick_folder(&album)).await;
    b.click(ui::PICK_SUBMIT).await;
    b.wait_until(
        "the album lists the three images",
        &format!(
            "location.search.includes('folder={album}') && \
             document.querySelectorAll({:?}).length === 3",
            ui::GALLERY_LINKS
        ),
    )
    .await;

    // Delete one (the page asks first), then get it back from the trash.
    b.click(&ui::delete_button(&ids[1])).await;
    b.click(ui::CONFIRM_OK).await;
    b.wait_until(
        "two images left",
        &format!("document.querySelectorAll({:?}).length === 2", ui::GALLERY_LINKS),
    )
    .await;
    b.click(ui::NAV_TRASH).await;
    b.wait_for_path(ui::TRASH).await;
    assert_eq!(b.find_all(ui::TRASH_ITEMS).await.len(), 1);
    b.click(&ui::restore_button(&ids[1])).await;
    b.wait_until(
        "the restored image is back in the album",
        &format!(
            "location.search.includes('folder={album}') && \
             document.querySelectorAll({:?}).length === 3",
            ui::GALLERY_LINKS
        ),
    )
    .await;
    b.close().await;
}
