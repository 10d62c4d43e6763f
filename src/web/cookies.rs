//! The page cookies: removing the session cookie (`http::cookies::session` sets it) and the
//! pre-login CSRF binding.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

use crate::auth::csrf;
use crate::config::Config;
use crate::http::auth::SESSION_COOKIE;
use crate::http::cookies::secure;

pub fn removed_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

/// The pre-login CSRF binding: the `homedisk_csrf` cookie, or a new one to set.
pub fn anon_binding(req: &HttpRequest, config: &Config) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(csrf::ANON_COOKIE).filter(|c| c.value().len() >= 16) {
        return (c.value().to_owned(), None);
    }
    let value = csrf::new_anon_binding();
    let cookie = Cookie::build(csrf::ANON_COOKIE, value.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, config))
        .finish();
    (value, Some(cookie))
}
