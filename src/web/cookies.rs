//! The page cookies: the session cookie and the pre-login CSRF binding.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};

use crate::auth::csrf;
use crate::config::Config;
use crate::http::auth::SESSION_COOKIE;
use crate::http::cookies::secure;

/// The session cookie: HttpOnly, SameSite=Lax, Path=/, Secure per config, lasting as long as
/// the session.
pub fn session_cookie(
    req: &HttpRequest,
    config: &Config,
    token: String,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(req, config))
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

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
