//! JSON shapes of the API (field names are a contract with clients, listed in README.md: add, never rename).

use serde::Serialize;

use crate::auth::device_name::{Words, describe};
use crate::auth::sessions::Started;
use crate::auth::tokens::rfc3339;
use crate::db::models::files::FileRow;
use crate::db::models::sessions::Session;
use crate::db::models::users::{Role, User, UserState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: Role,
    pub state: UserState,
    pub created_at: String,
    pub last_login_at: Option<String>,
    pub storage_used: i64,
    pub quota: i64,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id.to_string(),
            username: u.username.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            role: u.role(),
            state: u.state(),
            created_at: rfc3339(u.created_at),
            last_login_at: u.last_login_at.map(rfc3339),
            storage_used: u.storage_used,
            quota: u.quota,
        }
    }
}

/// The answer to register and login.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub token: String,
    pub token_type: &'static str,
    pub expires_at: String,
    pub session_id: String,
    pub client: &'static str,
    pub scope: String,
    pub user: UserView,
    /// `app` and `api` sessions: the token for `POST /api/v1/auth/refresh` (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl TokenView {
    pub fn new(started: Started) -> Self {
        TokenView {
            expires_at: rfc3339(started.session.expires_at),
            session_id: started.session.id.to_string(),
            client: started.claims.cli.as_str(),
            scope: started.claims.scope,
            token: started.token,
            token_type: "Bearer",
            user: UserView::from(&started.user),
            refresh_token: started.refresh_token,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    pub client: String,
    pub created_at: String,
    pub last_used_at: String,
    pub expires_at: String,
    pub user_agent: Option<String>,
    /// The device in words, in English, from the User-Agent: "Chrome on Linux", "homedisk app
    /// on Android", "curl"; the User-Agent itself when unrecognised, "Unknown device" without one.
    pub device: String,
    pub ip: Option<String>,
    pub current: bool,
    /// How it was verified: `password`, `password+totp`, `device`, `app_password`.
    pub method: String,
    /// An app password's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl SessionView {
    pub fn new(s: &Session, current: bool) -> Self {
        SessionView {
            id: s.id.to_string(),
            client: s.client.clone(),
            created_at: rfc3339(s.created_at),
            last_used_at: rfc3339(s.last_used_at),
            expires_at: rfc3339(s.expires_at),
            user_agent: s.user_agent.clone(),
            device: describe(s.user_agent.as_deref(), &Words::ENGLISH),
            ip: s.ip.clone(),
            current,
            method: s.method.clone(),
            name: None,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A file or folder as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FileItem {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub size: i64,
    pub mime: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    /// The containing folder's id; `null` at the root.
    pub folder: Option<String>,
    pub starred: bool,
    /// Images only: a ready `sm` thumbnail URL carrying a preview token (see `/preview`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
    /// Photos: when taken (EXIF; RFC 3339 with the camera's offset, or `Z` when it wrote
    /// none), else `null`. See `files::photo`.
    pub taken_at: Option<String>,
    /// Pictures: the size as displayed (EXIF orientation applied), else `null`.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Photos: the camera ("Canon EOS R6"), else `null`.
    pub camera: Option<String>,
    pub lens: Option<String>,
    /// Photos: where they were taken (the owner's API only; never in a share).
    pub location: Option<Location>,
}

/// A place in degrees (WGS 84, as GPS writes it).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PhotoLocation)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

impl FileItem {
    /// Fills the photo fields from what the file's bytes say.
    pub fn with_photo(mut self, meta: &crate::db::models::photo_meta::PhotoMeta) -> Self {
        use crate::files::photo;
        self.taken_at = photo::taken_rfc3339(meta);
        (self.width, self.height) = (meta.width, meta.height);
        self.camera = photo::camera(meta);
        self.lens = meta.lens.clone();
        self.location = match (meta.latitude, meta.longitude) {
            (Some(latitude), Some(longitude)) => Some(Location { latitude, longitude }),
            _ => None,
        };
        self
    }
}

impl From<&FileRow> for FileItem {
    fn from(f: &FileRow) -> Self {
        FileItem {
            id: f.id.to_string(),
            name: f.name.clone(),
            kind: if f.is_folder() { "folder" } else { "file" },
            size: f.size,
            mime: f.mime.clone(),
            created_at: rfc3339(f.created_at),
            modified_at: rfc3339(f.modified_at),
            folder: f.parent_id.as_ref().map(ToString::to_string),
            starred: f.starred,
            preview_url: None,
            taken_at: None,
            width: None,
            height: None,
            camera: None,
            lens: None,
            location: None,
        }
    }
}

/// A folder in a listing's path (breadcrumbs).
#[derive(Serialize, utoipa::ToSchema)]
pub struct FolderRef {
    pub id: String,
    pub name: String,
}

/// `GET /api/v1/files`: the items, plus where they are.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Listing {
    pub items: Vec<FileItem>,
    pub folder: Option<FolderRef>,
    pub path: Vec<FolderRef>,
    /// The `cursor` of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A search hit: the file item, where it is (`/a/b`, `/` at the root), and its star.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchItem {
    #[serde(flatten)]
    pub item: FileItem,
    pub path: String,
}

/// `GET /api/v1/search`: one page of hits; `next_cursor` is `null` on the last page.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub items: Vec<SearchItem>,
    pub next_cursor: Option<String>,
}
