//! The header every page shows: who is logged in, their storage, the language switcher, the
//! CSRF token of its forms and the translation tables.

use super::extract::is_admin;
use super::i18n::{self, AdminUi, Lang, Locale, Ui};
use crate::auth::csrf;
use crate::http::auth::CurrentUser;
use crate::state::AppState;

/// The header every page shows (who is logged in, their storage, the language switcher), the
/// CSRF token for its forms, and the translation table for its strings (`nav.t.key`).
pub struct Nav {
    pub username: Option<String>,
    pub is_admin: bool,
    pub csrf: String,
    pub lang: Lang,
    /// Where the language switcher comes back to.
    pub here: String,
    pub t: &'static Ui,
    pub ta: &'static AdminUi,
    pub storage: Option<StorageMeter>,
}

/// The storage bar in the header.
pub struct StorageMeter {
    pub used: String,
    pub quota: String,
    pub percent: u32,
    /// How much of `used` is in the trash, on pages that looked it up.
    pub trash: Option<String>,
}

impl Nav {
    pub fn user(state: &AppState, me: &CurrentUser, loc: &Locale) -> Self {
        let (used, quota) = (me.user.storage_used.max(0), me.user.quota.max(0));
        let percent = match (used, quota) {
            (0, _) => 0,
            (_, 0) => 100,
            // At least 1 % once anything is stored: the bar never looks empty when it is not.
            (u, q) => u32::try_from((u.saturating_mul(100) / q).clamp(1, 100)).unwrap_or(100),
        };
        Nav {
            username: Some(me.user.username.clone()),
            is_admin: is_admin(me),
            csrf: csrf::token(&state.keys, me.session.id.as_str()),
            storage: Some(StorageMeter {
                used: i18n::human_size(loc.lang, used),
                quota: i18n::human_size(loc.lang, quota),
                percent,
                trash: None,
            }),
            ..Nav::bare(loc)
        }
    }
    pub fn anonymous(state: &AppState, binding: &str, loc: &Locale) -> Self {
        Nav { csrf: csrf::token(&state.keys, binding), ..Nav::bare(loc) }
    }
    /// No one logged in and no forms: the error pages.
    pub fn bare(loc: &Locale) -> Self {
        Nav {
            username: None,
            is_admin: false,
            csrf: String::new(),
            lang: loc.lang,
            here: loc.here.clone(),
            t: loc.lang.ui(),
            ta: loc.lang.admin(),
            storage: None,
        }
    }

    /// Shows in the storage meter how much of the used space the trash holds (when any).
    pub fn with_trash(mut self, lang: Lang, bytes: i64) -> Self {
        if let Some(meter) = self.storage.as_mut().filter(|_| bytes > 0) {
            meter.trash = Some(i18n::human_size(lang, bytes));
        }
        self
    }

    /// Whether this page is under `prefix` (for `aria-current` in the header).
    pub fn at(&self, prefix: &str) -> bool {
        let path = self.here.split('?').next().unwrap_or_default();
        path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
    }
    /// The user's initial, for the avatar in the menu.
    pub fn initial(&self) -> String {
        let first = self.username.as_deref().and_then(|n| n.chars().next()).unwrap_or('?');
        first.to_uppercase().collect()
    }
    pub fn langs(&self) -> &'static [Lang] {
        &Lang::ALL
    }
    pub fn fill1(&self, text: &str, a: impl std::fmt::Display) -> String {
        i18n::fill(text, &[&a])
    }
    pub fn fill2(
        &self,
        text: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
    ) -> String {
        i18n::fill(text, &[&a, &b])
    }
    /// A message of the domain (a form field's problem, an error) in this page's language.
    pub fn msg<'a>(&self, message: &'a str) -> &'a str {
        i18n::translate(self.lang, message)
    }
    /// The scripts' strings, as JSON (escaped by the template as an attribute value).
    pub fn js_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .lang
            .js()
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}
