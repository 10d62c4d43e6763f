//! Everything the browser tests know about the markup: selectors, form fields, and the pages
//! to photograph. The UI is being redesigned; when markup changes, this is the file to update.
//! Selectors prefer what the markup means (form actions, field names, ids) over styling classes.

/// Viewports, in CSS pixels.
pub const DESKTOP: (u32, u32) = (1280, 800);
pub const PHONE: (u32, u32) = (390, 844);

/// The form field `name` inside `form` (a selector).
pub fn field(form: &str, name: &str) -> String {
    format!("{form} [name='{name}']")
}

/// The submit button of `form` (a selector).
pub fn submit(form: &str) -> String {
    format!("{form} button[type='submit']")
}

// Header, on every page.
/// The user menu (a `<details>`): opening it shows the account link, languages and log out.
pub const USER_MENU: &str = "header details.user-menu > summary";
/// The logged-in user's name, in the user menu's button.
pub const USER_NAME: &str = "header details.user-menu .menu-name";
/// The language menu of the header when nobody is logged in.
pub const LANG_MENU: &str = "header details.lang-menu > summary";
/// Shown to administrators only.
pub const NAV_ADMIN: &str = "header a[href='/admin']";
/// Shown when logged out.
pub const NAV_LOG_IN: &str = "header a[href='/login']";
pub const NAV_LOG_OUT: &str = "header form[action='/logout'] button";
/// The language buttons, in the user menu (or the language menu when logged out).
pub fn language_button(tag: &str) -> String {
    format!("header form[action='/lang'] button[value='{tag}']")
}
/// The page's main heading.
pub const HEADING: &str = "main h1";
/// The status code on an error page.
pub const ERROR_CODE: &str = "main .error-code";
/// The OK button of the confirmation dialog (delete, log out everywhere).
pub const CONFIRM_OK: &str = "dialog#confirm[open] #confirm-ok";

// Log in and register.
pub const LOGIN: &str = "/login";
pub const LOGIN_FORM: &str = "form[action='/login']";
pub const REGISTER: &str = "/register";
pub const REGISTER_FORM: &str = "form[action='/register']";
/// The first run's "Create the administrator" (only on an instance without accounts).
pub const SETUP: &str = "/setup";
pub const SETUP_FORM: &str = "form[action='/setup']";

// Files.
pub const FILES: &str = "/files";
pub const FILE_INPUT: &str = "#file-input";
/// The listing's links to each image's page (`/files/{id}`); a click opens the lightbox.
pub const GALLERY_LINKS: &str = "#items a[data-lightbox][href^='/files/']";
/// The images' thumbnails in the listing (list or grid).
pub const GALLERY_IMAGES: &str = "#items img.thumb";
/// Every thumbnail on the files page.
pub const THUMBNAILS: &str = GALLERY_IMAGES;
/// The listing shown as a grid or as a list.
pub const GRID: &str = "#items.view-grid";
pub const LIST: &str = "#items.view-list";
/// The list/grid toggle's buttons.
pub const VIEW_GRID: &str = ".view-toggle [data-view='grid']";
pub const VIEW_LIST: &str = ".view-toggle [data-view='list']";
/// The open lightbox's image, and its "n of m" counter.
pub const LIGHTBOX_IMAGE: &str = "dialog#lightbox[open] #lightbox-img";
pub const LIGHTBOX_COUNT: &str = "#lightbox-count";
/// The large preview on a file page.
pub const FILE_PREVIEW: &str = "figure.preview img";

// Account.
pub const ACCOUNT: &str = "/account";
pub const LOGOUT_EVERYWHERE: &str = "form[action='/account/logout-all'] button";
/// Two-factor login: the security page, its "set up" button, the key shown for enrolment
/// (`data-secret` holds it ungrouped), the confirmation form, the recovery codes shown once.
pub const SECURITY: &str = "/account/security";
pub const TOTP_START: &str = "form[action='/account/security/totp'] button";
pub const TOTP_SECRET: &str = "#totp-secret";
pub const TOTP_CONFIRM_FORM: &str = "form[action='/account/security/totp/confirm']";
pub const RECOVERY_CODES: &str = "#recovery-codes li code";
/// The page asking for the code after the password, and its form.
pub const LOGIN_2FA: &str = "/login/2fa";
pub const LOGIN_2FA_FORM: &str = "form#totp-form";

// Administration.
pub const ADMIN: &str = "/admin";
/// The dashboard's figures (accounts, sessions, storage).
pub const ADMIN_FIGURES: &str = "dl.figures";
pub const ADMIN_USERS: &str = "/admin/users";
/// The first cell of each account row holds a link to the account, named by its user name.
pub const ADMIN_USER_LINKS: &str = "table.admin tbody a[href^='/admin/users/']";
pub const ADMIN_NEW_USER_LINK: &str = "a[href='/admin/users/new']";
pub const ADMIN_NEW_USER_FORM: &str = "form[action='/admin/users/new']";

// Selection, moving, the trash.
pub const NEW_FOLDER: &str = "details.new-folder > summary";
pub const NEW_FOLDER_FORM: &str = "form[action='/files/folders']";
pub const FOLDER_LINKS: &str = "#items a[href^='/files?folder=']";
/// The checkbox of the item `id` in the listing.
pub fn select_box(id: &str) -> String {
    format!("#items li[data-id='{id}'] input.select")
}
pub const SELECTED_COUNT: &str = "#selected-count";
pub fn batch_button(op: &str) -> String {
    format!("#batch-form button[value='{op}']")
}
pub fn pick_folder(id: &str) -> String {
    format!("form.pick-folder input[name='folder'][value='{id}']")
}
pub const PICK_SUBMIT: &str = "form.pick-folder button[type='submit']";
/// The delete button of the item `id` in the listing.
pub fn delete_button(id: &str) -> String {
    format!("#items li[data-id='{id}'] form.confirm-delete button")
}
pub const NAV_TRASH: &str = "header a[href='/trash']";
pub const TRASH: &str = "/trash";
pub const TRASH_ITEMS: &str = "#trash-items li";
pub fn restore_button(id: &str) -> String {
    format!("#trash-items li[data-id='{id}'] form[action$='/restore'] button")
}

/// A page to photograph for `HOMEDISK_SCREENSHOTS`: `<name>-desktop.png` / `<name>-phone.png`.
pub struct Page {
    pub name: &'static str,
    /// `{file}` stands for the id of an uploaded image.
    pub path: &'static str,
    /// Present once the page has rendered.
    pub ready: &'static str,
    /// Scrolled into view before the picture, when the part to show is not at the top.
    pub show: Option<&'static str>,
    /// Clicked once the page is ready, then `after` is waited for (a view, a dialog).
    pub click: Option<(&'static str, &'static str)>,
    pub logged_in: bool,
}

pub const PAGES: &[Page] = &[
    Page {
        name: "setup",
        path: SETUP,
        ready: SETUP_FORM,
        show: None,
        click: None,
        logged_in: false,
    },
    Page {
        name: "login",
        path: LOGIN,
        ready: LOGIN_FORM,
        show: None,
        click: None,
        logged_in: false,
    },
    Page {
        name: "register",
        path: REGISTER,
        ready: REGISTER_FORM,
        show: None,
        click: None,
        logged_in: false,
    },
    Page {
        name: "files-grid",
        path: FILES,
        ready: GALLERY_IMAGES,
        show: None,
        click: Some((VIEW_GRID, GRID)),
        logged_in: true,
    },
    Page {
        name: "files-list",
        path: FILES,
        ready: GALLERY_IMAGES,
        show: None,
        click: Some((VIEW_LIST, LIST)),
        logged_in: true,
    },
    Page {
        name: "lightbox",
        path: FILES,
        ready: GALLERY_LINKS,
        show: None,
        click: Some((GALLERY_LINKS, LIGHTBOX_IMAGE)),
        logged_in: true,
    },
    Page {
        name: "file",
        path: "/files/{file}",
        ready: FILE_PREVIEW,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "account",
        path: ACCOUNT,
        ready: LOGOUT_EVERYWHERE,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "admin-dashboard",
        path: ADMIN,
        ready: ADMIN_FIGURES,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "admin-users",
        path: ADMIN_USERS,
        ready: ADMIN_USER_LINKS,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "account-app-passwords",
        path: ACCOUNT,
        ready: LOGOUT_EVERYWHERE,
        show: Some("#app-passwords"),
        click: None,
        logged_in: true,
    },
    Page {
        name: "account-security",
        path: "/account/security",
        ready: HEADING,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "device",
        path: "/device",
        ready: HEADING,
        show: None,
        click: None,
        logged_in: true,
    },
    Page { name: "trash", path: TRASH, ready: HEADING, show: None, click: None, logged_in: true },
    Page {
        name: "search",
        path: "/search?q=jp",
        ready: HEADING,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "recent",
        path: "/recent",
        ready: GALLERY_IMAGES,
        show: None,
        click: None,
        logged_in: true,
    },
    Page {
        name: "error-404",
        path: "/no-such-page",
        ready: HEADING,
        show: None,
        click: None,
        logged_in: true,
    },
];
