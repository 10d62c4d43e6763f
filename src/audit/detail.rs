//! What an audit entry's detail says, as data rather than prose: a [`Detail`] is a stable
//! code ([`DetailCode`]) with its values (names, counts, roles, sizes in bytes…), stored with
//! the entry so a page can say it in its reader's language (`web::i18n::audit`). The English
//! text of the `detail` column, which the API has always returned, is written from the same
//! value ([`Detail::text`]), word for word as before codes existed.
//!
//! Call sites can only record a `Detail`, never free text, and every page rendering is an
//! exhaustive `match`: a new kind of detail does not compile until it is translated.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::claims::ClientKind;
use crate::config::Registration;
use crate::db::models::users::Role;
use crate::files::human_bytes;
use crate::shares::Kind as ShareKind;

/// Declares [`DetailCode`] with its stored names and the list of them all, from one list, so
/// `ALL` cannot miss a code.
macro_rules! detail_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// The kind of a [`Detail`], as stored in `audit_log.detail_code`. The names are
        /// stable: stored entries and API clients use them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum DetailCode {
            $($variant,)*
        }

        impl DetailCode {
            pub const ALL: &'static [DetailCode] = &[$(DetailCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(DetailCode::$variant => $code,)*
                }
            }

            pub fn parse(s: &str) -> Option<DetailCode> {
                Self::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

detail_codes! {
    PasswordLogin => "password_login",
    TwoFactorLogin => "two_factor_login",
    DeviceLogin => "device_login",
    LoginFailed => "login_failed",
    WrongCode => "wrong_code",
    OtherSessionsEnded => "other_sessions_ended",
    LoggedOutEverywhere => "logged_out_everywhere",
    SessionsEnded => "sessions_ended",
    RoleChanged => "role_changed",
    QuotaChanged => "quota_changed",
    CreatedWithRole => "created_with_role",
    DeletedWithFiles => "deleted_with_files",
    DeviceRequest => "device_request",
    AppPasswordCreated => "app_password_created",
    AppPasswordRevoked => "app_password_revoked",
    RegistrationChanged => "registration_changed",
    DefaultQuotaChanged => "default_quota_changed",
    TrashRetentionChanged => "trash_retention_changed",
    ShareLink => "share_link",
    ShareWrongPassword => "share_wrong_password",
}

/// Why a login was refused (also the `reason` label of the login metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    WrongPassword,
    UnknownAccount,
    AccountDisabled,
}

impl LoginFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::UnknownAccount => "unknown_account",
            LoginFailure::AccountDisabled => "account_disabled",
        }
    }
}

/// What an entry's detail says. Serialized with its code as `code` and its values beside it;
/// [`Detail::encode`] splits the two for the columns. Sizes are bytes, counts plain numbers,
/// so each language formats them its own way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Detail {
    /// A login with the password alone, by `client`.
    PasswordLogin {
        client: ClientKind,
    },
    /// A login with the password and a two-factor code (or recovery code).
    TwoFactorLogin {
        client: ClientKind,
    },
    /// An app's device login, approved on `/device`; `app` is the name the app gave.
    DeviceLogin {
        app: String,
    },
    LoginFailed {
        reason: LoginFailure,
    },
    /// A two-factor code that was wrong or already used.
    WrongCode,
    /// A password change ended the account's other sessions.
    OtherSessionsEnded {
        count: usize,
    },
    /// "Log out everywhere" ended this many sessions.
    LoggedOutEverywhere {
        count: usize,
    },
    /// An administrator ended this many sessions of the account.
    SessionsEnded {
        count: usize,
    },
    RoleChanged {
        from: Role,
        to: Role,
    },
    QuotaChanged {
        from: i64,
        to: i64,
    },
    /// An account created by an administrator, with its role.
    CreatedWithRole {
        role: Role,
    },
    /// An account deleted with its files.
    DeletedWithFiles {
        files: usize,
        bytes: i64,
    },
    /// A device login approved or denied: the app's name and the address it asked from.
    DeviceRequest {
        app: String,
        ip: Option<String>,
    },
    AppPasswordCreated {
        name: String,
        scope: String,
    },
    AppPasswordRevoked {
        name: String,
    },
    RegistrationChanged {
        from: Registration,
        to: Registration,
    },
    DefaultQuotaChanged {
        from: u64,
        to: u64,
    },
    TrashRetentionChanged {
        from: u32,
        to: u32,
    },
    /// A share link created or revoked: its id and kind, the file or folder it leads to (its
    /// name when known), whether it has a password. Never its token or password.
    ShareLink {
        kind: ShareKind,
        link: String,
        file: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file_name: Option<String>,
        password: bool,
    },
    /// A wrong password typed for link `link`.
    ShareWrongPassword {
        link: String,
    },
}

impl Detail {
    pub fn code(&self) -> DetailCode {
        match self {
            Detail::PasswordLogin { .. } => DetailCode::PasswordLogin,
            Detail::TwoFactorLogin { .. } => DetailCode::TwoFactorLogin,
            Detail::DeviceLogin { .. } => DetailCode::DeviceLogin,
            Detail::LoginFailed { .. } => DetailCode::LoginFailed,
            Detail::WrongCode => DetailCode::WrongCode,
            Detail::OtherSessionsEnded { .. } => DetailCode::OtherSessionsEnded,
            Detail::LoggedOutEverywhere { .. } => DetailCode::LoggedOutEverywhere,
            Detail::SessionsEnded { .. } => DetailCode::SessionsEnded,
            Detail::RoleChanged { .. } => DetailCode::RoleChanged,
            Detail::QuotaChanged { .. } => DetailCode::QuotaChanged,
            Detail::CreatedWithRole { .. } => DetailCode::CreatedWithRole,
            Detail::DeletedWithFiles { .. } => DetailCode::DeletedWithFiles,
            Detail::DeviceRequest { .. } => DetailCode::DeviceRequest,
            Detail::AppPasswordCreated { .. } => DetailCode::AppPasswordCreated,
            Detail::AppPasswordRevoked { .. } => DetailCode::AppPasswordRevoked,
            Detail::RegistrationChanged { .. } => DetailCode::RegistrationChanged,
            Detail::DefaultQuotaChanged { .. } => DetailCode::DefaultQuotaChanged,
            Detail::TrashRetentionChanged { .. } => DetailCode::TrashRetentionChanged,
            Detail::ShareLink { .. } => DetailCode::ShareLink,
            Detail::ShareWrongPassword { .. } => DetailCode::ShareWrongPassword,
        }
    }

    /// The English text of the `detail` column: exactly what entries said before codes
    /// existed, so API clients reading `detail` see no change.
    pub fn text(&self) -> String {
        match self {
            Detail::PasswordLogin { client } => format!("client {}", client.as_str()),
            Detail::TwoFactorLogin { client } => {
                format!("client {}, password+totp", client.as_str())
            }
            Detail::DeviceLogin { app } => format!("client app, device login: {app}"),
            Detail::LoginFailed { reason } => reason.as_str().replace('_', " "),
            Detail::WrongCode => "wrong or used code".to_owned(),
            Detail::OtherSessionsEnded { count } => format!("{count} other session(s) ended"),
            Detail::LoggedOutEverywhere { count } => format!("{count} session(s)"),
            Detail::SessionsEnded { count } => format!("{count} session(s) ended"),
            Detail::RoleChanged { from, to } => format!("{} → {}", from.as_str(), to.as_str()),
            Detail::QuotaChanged { from, to } => {
                format!("{} → {}", human_bytes(*from), human_bytes(*to))
            }
            Detail::CreatedWithRole { role } => format!("role {}", role.as_str()),
            Detail::DeletedWithFiles { files, bytes } => {
                format!("{files} file(s), {}", human_bytes(*bytes))
            }
            Detail::DeviceRequest { app, ip } => {
                format!("app \"{app}\" from {}", ip.as_deref().unwrap_or("an unknown address"))
            }
            Detail::AppPasswordCreated { name, scope } => format!("“{name}”, scope {scope}"),
            Detail::AppPasswordRevoked { name } => format!("“{name}”"),
            Detail::RegistrationChanged { from, to } => {
                format!("registration {} → {}", from.as_str(), to.as_str())
            }
            Detail::DefaultQuotaChanged { from, to } => {
                let bytes = |n: &u64| human_bytes(i64::try_from(*n).unwrap_or(i64::MAX));
                format!("default quota {} → {}", bytes(from), bytes(to))
            }
            Detail::TrashRetentionChanged { from, to } => {
                format!("trash retention {from} → {to} days")
            }
            Detail::ShareLink { kind, link, file, password, .. } => {
                let password = if *password { ", with a password" } else { "" };
                format!("{} link {link} to file {file}{password}", kind.as_str())
            }
            Detail::ShareWrongPassword { link } => format!("wrong password for link {link}"),
        }
    }

    /// The code and its values (a JSON object; `None` when the code has none), for the
    /// `detail_code` and `detail_params` columns.
    pub fn encode(&self) -> (DetailCode, Option<String>) {
        let params = match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => {
                map.remove("code");
                (!map.is_empty()).then(|| Value::Object(map).to_string())
            }
            // Strings, numbers and unit enums always serialize; were one not to, the entry
            // would still say its English text (`decode` then fails and pages show `detail`).
            _ => None,
        };
        (self.code(), params)
    }

    /// The detail stored as `code` and `params`; `None` for a code this version does not know
    /// or values that do not fit it (the pages then show the stored text).
    pub fn decode(code: &str, params: Option<&str>) -> Option<Detail> {
        DetailCode::parse(code)?;
        let mut map = match params {
            Some(p) => serde_json::from_str::<Map<String, Value>>(p).ok()?,
            None => Map::new(),
        };
        map.insert("code".to_owned(), Value::from(code));
        serde_json::from_value(Value::Object(map)).ok()
    }
}

impl DetailCode {
    /// A detail of this kind with made-up values: the tests render every code through it, in
    /// every language.
    pub fn example(self) -> Detail {
        let name = "Phone <b>&</b>".to_owned();
        match self {
            DetailCode::PasswordLogin => Detail::PasswordLogin { client: ClientKind::Web },
            DetailCode::TwoFactorLogin => Detail::TwoFactorLogin { client: ClientKind::App },
            DetailCode::DeviceLogin => Detail::DeviceLogin { app: name },
            DetailCode::LoginFailed => Detail::LoginFailed { reason: LoginFailure::UnknownAccount },
            DetailCode::WrongCode => Detail::WrongCode,
            DetailCode::OtherSessionsEnded => Detail::OtherSessionsEnded { count: 2 },
            DetailCode::LoggedOutEverywhere => Detail::LoggedOutEverywhere { count: 1 },
            DetailCode::SessionsEnded => Detail::SessionsEnded { count: 3 },
            DetailCode::RoleChanged => Detail::RoleChanged { from: Role::User, to: Role::Admin },
            DetailCode::QuotaChanged => Detail::QuotaChanged { from: 1 << 30, to: 512 },
            DetailCode::CreatedWithRole => Detail::CreatedWithRole { role: Role::User },
            DetailCode::DeletedWithFiles => Detail::DeletedWithFiles { files: 5, bytes: 2064 },
            DetailCode::DeviceRequest => {
                Detail::DeviceRequest { app: name, ip: Some("192.0.2.7".to_owned()) }
            }
            DetailCode::AppPasswordCreated => {
                Detail::AppPasswordCreated { name, scope: "files:read dav".to_owned() }
            }
            DetailCode::AppPasswordRevoked => Detail::AppPasswordRevoked { name },
            DetailCode::RegistrationChanged => {
                Detail::RegistrationChanged { from: Registration::Open, to: Registration::Closed }
            }
            DetailCode::DefaultQuotaChanged => {
                Detail::DefaultQuotaChanged { from: 10 << 30, to: 2 << 30 }
            }
            DetailCode::TrashRetentionChanged => Detail::TrashRetentionChanged { from: 30, to: 1 },
            DetailCode::ShareLink => Detail::ShareLink {
                kind: ShareKind::View,
                link: "3f0c…".to_owned(),
                file: "9a1e…".to_owned(),
                file_name: Some(name),
                password: true,
            },
            DetailCode::ShareWrongPassword => {
                Detail::ShareWrongPassword { link: "3f0c…".to_owned() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Detail, DetailCode};

    #[test]
    fn every_code_round_trips_through_its_columns_under_its_stored_name() {
        for code in DetailCode::ALL.iter().copied() {
            let detail = code.example();
            assert_eq!(detail.code(), code);
            let (stored, params) = detail.encode();
            assert_eq!(stored, code);
            let tagged = serde_json::to_value(&detail).expect("json");
            assert_eq!(tagged["code"], code.as_str(), "serde's name is the stored name");
            assert_eq!(Detail::decode(code.as_str(), params.as_deref()), Some(detail.clone()));
            assert!(!detail.text().is_empty(), "{code:?}");
        }
        assert_eq!(Detail::decode("from_a_newer_version", None), None);
        assert_eq!(Detail::decode("sessions_ended", Some("{\"count\":\"many\"}")), None);
        assert_eq!(Detail::decode("sessions_ended", Some("not json")), None);
    }

    #[test]
    fn the_api_schema_and_the_readme_name_every_code() {
        let docs = [include_str!("../api/admin.rs"), include_str!("../../README.md")];
        for code in DetailCode::ALL {
            let named = format!("`{}`", code.as_str());
            assert!(docs.iter().all(|d| d.contains(&named)), "{named} is not documented");
        }
    }

    #[test]
    fn the_english_text_is_what_entries_said_before_codes() {
        let said = |d: Detail| d.text();
        assert_eq!(said(DetailCode::SessionsEnded.example()), "3 session(s) ended");
        assert_eq!(said(DetailCode::LoggedOutEverywhere.example()), "1 session(s)");
        assert_eq!(said(DetailCode::RoleChanged.example()), "user → admin");
        assert_eq!(said(DetailCode::QuotaChanged.example()), "1.0 GiB → 512 bytes");
        assert_eq!(said(DetailCode::LoginFailed.example()), "unknown account");
        assert_eq!(said(DetailCode::TwoFactorLogin.example()), "client app, password+totp");
        assert_eq!(
            said(DetailCode::AppPasswordCreated.example()),
            "“Phone <b>&</b>”, scope files:read dav"
        );
        assert_eq!(
            said(DetailCode::TrashRetentionChanged.example()),
            "trash retention 30 → 1 days"
        );
        assert_eq!(
            said(DetailCode::ShareLink.example()),
            "view link 3f0c… to file 9a1e…, with a password"
        );
        assert_eq!(
            said(DetailCode::DeviceRequest.example()),
            "app \"Phone <b>&</b>\" from 192.0.2.7"
        );
    }
}
