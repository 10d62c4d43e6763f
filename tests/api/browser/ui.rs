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
/// The link to the account page; its text is the logged-in user's name.
pub const NAV_ACCOUNT: &str = "header a[href='/account']";
/// Shown to administrators only.
pub const NAV_ADMIN: &str = "header a[href='/admin']";
/// Shown when logged out.
pub const NAV_LOG_IN: &str = "header a[href='/login']";
pub const NAV_LOG_OUT: &str = "header form[action='/logout'] button";
/// The page's main heading.
pub const HEADING: &str = "main h1";

// Log in and register.
pub const LOGIN: &str = "/login";
pub const LOGIN_FORM: &str = "form[action='/login']";
pub const REGISTER: &str = "/register";
pub const REGISTER_FORM: &str = "form[action='/register']";

// Files.
pub const FILES: &str = "/files";
pub const UPLOAD_FORM: &str = "#upload-form";
pub const FILE_INPUT: &str = "#file-input";
/// Links from the image grid to each file page (`/files/{id}`).
pub const GALLERY_LINKS: &str = ".gallery a[href^='/files/']";
/// The grid's thumbnails.
pub const GALLERY_IMAGES: &str = ".gallery img";
/// Every thumbnail on the files page: the grid's and the list's.
pub const THUMBNAILS: &str = ".gallery img, table.files img.thumb";
/// The list of files (rows).
pub const FILE_LIST: &str = "table.files";
/// The large preview on a file page.
pub const FILE_PREVIEW: &str = "figure.preview img";

// Account.
pub const ACCOUNT: &str = "/account";
pub const LOGOUT_EVERYWHERE: &str = "form[action='/account/logout-all'] button";

// Administration.
pub const ADMIN: &str = "/admin";
/// The dashboard's figures (accounts, sessions, storage).
pub const ADMIN_FIGURES: &str = "dl.figures";
pub const ADMIN_USERS: &str = "/admin/users";
/// The first cell of each account row holds a link to the account, named by its user name.
pub const ADMIN_USER_LINKS: &str = "table.admin tbody a[href^='/admin/users/']";
pub const ADMIN_NEW_USER_LINK: &str = "a[href='/admin/users/new']";
pub const ADMIN_NEW_USER_FORM: &str = "form[action='/admin/users/new']";

// Not built yet: language switching and a lightbox. Their selectors go here, their tests in
// flows.rs (see the note at its end).

/// A page to photograph for `HOMEDISK_SCREENSHOTS`: `<name>-desktop.png` / `<name>-phone.png`.
pub struct Page {
    pub name: &'static str,
    /// `{file}` stands for the id of an uploaded image.
    pub path: &'static str,
    /// Present once the page has rendered.
    pub ready: &'static str,
    /// Scrolled into view before the picture, when the part to show is not at the top.
    pub show: Option<&'static str>,
    pub logged_in: bool,
}

pub const PAGES: &[Page] = &[
    Page { name: "login", path: LOGIN, ready: LOGIN_FORM, show: None, logged_in: false },
    Page { name: "register", path: REGISTER, ready: REGISTER_FORM, show: None, logged_in: false },
    // Today one page shows the grid above the list; the two pictures differ by what is in view.
    Page {
        name: "files-grid",
        path: FILES,
        ready: GALLERY_IMAGES,
        show: Some(".gallery"),
        logged_in: true,
    },
    Page {
        name: "files-list",
        path: FILES,
        ready: FILE_LIST,
        show: Some(FILE_LIST),
        logged_in: true,
    },
    Page { name: "file", path: "/files/{file}", ready: FILE_PREVIEW, show: None, logged_in: true },
    Page { name: "account", path: ACCOUNT, ready: LOGOUT_EVERYWHERE, show: None, logged_in: true },
    Page {
        name: "admin-dashboard",
        path: ADMIN,
        ready: ADMIN_FIGURES,
        show: None,
        logged_in: true,
    },
    Page {
        name: "admin-users",
        path: ADMIN_USERS,
        ready: ADMIN_USER_LINKS,
        show: None,
        logged_in: true,
    },
    Page { name: "error-404", path: "/no-such-page", ready: HEADING, show: None, logged_in: true },
];
