//! The pages' languages: English and Simplified Chinese.
//!
//! Every string a page shows comes from one translation table (`table.rs`, the admin pages'
//! part in `admin.rs`), where each key has its English and Chinese text side by side. The
//! table is a struct per language, so a key missing in one language, or a template naming a
//! key that does not exist, is a compile error rather than a blank on the page. Audit log
//! details are said from their code and values by [`audit::detail`].
//!
//! The language is the `homedisk_lang` cookie (set by the switcher in the user menu,
//! `POST /lang`), else the best match in `Accept-Language`, else English. Texts with
//! placeholders use `{}`, filled in order by [`fill`].

mod admin;
pub mod audit;
mod dav;
mod device;
mod folders;
mod messages;
mod photos;
mod shares;
mod table;
mod viewer;

use std::fmt::Display;
use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub use admin::AdminUi;
pub use dav::DavUi;
pub use device::DeviceUi;
pub use folders::{FolderJs, FolderUi};
pub use messages::translate;
pub use photos::PhotoUi;
pub use shares::ShareUi;
pub use table::{Js, Ui};
pub use viewer::ViewerUi;

/// The cookie that remembers the language chosen in the user menu.
pub const LANG_COOKIE: &str = "homedisk_lang";

/// A language the pages are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag (`<html lang>`, the cookie's value).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::ZhCn)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The best of ours for an `Accept-Language` header: the highest-weighted tag we have
    /// (any `zh-*` is served Simplified Chinese), English when none matches.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            let Some(lang) = Lang::from_tag(tag) else { continue };
            // The first of equal weights wins, as the header lists them in order of preference.
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The language of a request: the switcher's cookie, else `Accept-Language`.
    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::from_tag(c.value())) {
            return lang;
        }
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::En, Lang::negotiate)
    }

    pub fn ui(self) -> &'static Ui {
        match self {
            Lang::En => &Ui::EN,
            Lang::ZhCn => &Ui::ZH_CN,
        }
    }

    pub fn admin(self) -> &'static AdminUi {
        match self {
            Lang::En => &AdminUi::EN,
            Lang::ZhCn => &AdminUi::ZH_CN,
        }
    }

    pub fn dav(self) -> &'static DavUi {
        match self {
            Lang::En => &DavUi::EN,
            Lang::ZhCn => &DavUi::ZH_CN,
        }
    }

    pub fn device(self) -> &'static DeviceUi {
        match self {
            Lang::En => &DeviceUi::EN,
            Lang::ZhCn => &DeviceUi::ZH_CN,
        }
    }

    pub fn shares(self) -> &'static ShareUi {
        match self {
            Lang::En => &ShareUi::EN,
            Lang::ZhCn => &ShareUi::ZH_CN,
        }
    }

    pub fn viewer(self) -> &'static ViewerUi {
        match self {
            Lang::En => &ViewerUi::EN,
            Lang::ZhCn => &ViewerUi::ZH_CN,
        }
    }

    pub fn photos(self) -> &'static PhotoUi {
        match self {
            Lang::En => &PhotoUi::EN,
            Lang::ZhCn => &PhotoUi::ZH_CN,
        }
    }

    pub fn folders(self) -> &'static FolderUi {
        match self {
            Lang::En => &FolderUi::EN,
            Lang::ZhCn => &FolderUi::ZH_CN,
        }
    }

    /// The strings of `static/folders.js`, as JSON for a `data-i18n` attribute.
    pub fn folder_js_json(self) -> String {
        let table = match self {
            Lang::En => &FolderJs::EN,
            Lang::ZhCn => &FolderJs::ZH_CN,
        };
        let map: serde_json::Map<String, serde_json::Value> = table
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    pub fn js(self) -> &'static Js {
        match self {
            Lang::En => &Js::EN,
            Lang::ZhCn => &Js::ZH_CN,
        }
    }
}

/// The language of this request and where it was made, for the pages' header (the language
/// switcher comes back to `here`).
#[derive(Clone, Debug)]
pub struct Locale {
    pub lang: Lang,
    /// This page's path and query when it was a GET, else `/`.
    pub here: String,
}

impl Locale {
    pub fn of(req: &HttpRequest) -> Locale {
        let here = if req.method() == Method::GET {
            req.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned()
        } else {
            "/".to_owned()
        };
        Locale { lang: Lang::of(req), here }
    }
}

impl FromRequest for Locale {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Locale::of(req)))
    }
}

/// `text` with each `{}` replaced by the next of `args`.
pub fn fill(text: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut args = args.iter();
    let mut rest = text;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        match args.next() {
            Some(a) => out.push_str(&a.to_string()),
            None => out.push_str("{}"),
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// A size for people in `lang`: `5 bytes` / `5 字节` below 1 KiB, else `1.5 MiB`.
pub fn human_size(lang: Lang, bytes: i64) -> String {
    if bytes < 1024 {
        fill(lang.ui().n_bytes, &[&bytes.max(0)])
    } else {
        crate::files::human_bytes(bytes)
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lang", web::post().to(switch));
}

#[derive(Deserialize)]
struct SwitchForm {
    lang: String,
    next: Option<String>,
}

/// `POST /lang`: remember the language chosen in the user menu, and go back to the page.
///
/// No CSRF token: the cookie only picks the language of the pages, which another site could
/// as well pick with a link; nothing of the account changes.
async fn switch(form: web::Form<SwitchForm>) -> HttpResponse {
    let next = super::safe_next(form.next.as_deref());
    let Some(lang) = Lang::from_tag(&form.lang) else {
        return super::redirect(&next).finish();
    };
    let cookie = Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .max_age(CookieDuration::days(365))
        .finish();
    super::redirect(&next).cookie(cookie).finish()
}

/// For each table's test: every key has text in both languages, with as many `{}` in each.
#[cfg(test)]
fn assert_translated(en: Vec<(&str, &str)>, zh: Vec<(&str, &str)>) {
    assert_eq!(en.len(), zh.len());
    for ((key, en), (_, zh)) in en.into_iter().zip(zh) {
        assert!(!en.is_empty() && !zh.is_empty(), "{key} is empty");
        assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{key}");
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, fill};

    #[test]
    fn accept_language_picks_the_best_weighted_language_we_have() {
        assert_eq!(Lang::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhCn);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("fr-FR,fr;q=0.9,zh-TW;q=0.5,en;q=0.4"), Lang::ZhCn);
        assert_eq!(Lang::negotiate("de, en;q=0.1, zh;q=0.2"), Lang::ZhCn);
        assert_eq!(Lang::negotiate("zh;q=0, en;q=0.1"), Lang::En);
        assert_eq!(Lang::negotiate("fr"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("zh;q=banana,en;q=0.5"), Lang::En);
        assert_eq!(Lang::negotiate("*"), Lang::En);
    }

    #[test]
    fn fill_replaces_placeholders_in_order() {
        assert_eq!(fill("{} of {} used", &[&"1 MiB", &"10 GiB"]), "1 MiB of 10 GiB used");
        assert_eq!(fill("已用 {} / {}", &[&1, &2]), "已用 1 / 2");
        assert_eq!(fill("no args {}", &[]), "no args {}");
        assert_eq!(fill("plain", &[&"x"]), "plain");
    }
}
