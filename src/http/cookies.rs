//! Cookies more than one adapter sets: whether they are `Secure`, and the device cookie that
//! both login routes (the page and the JSON API) hand out.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};

use crate::auth::device;
use crate::auth::tokens::Keys;
use crate::config::{Config, CookieSecure};
use crate::db::ids::UserId;

/// Whether cookies set in answer to `req` carry `Secure`.
pub fn secure(req: &HttpRequest, config: &Config) -> bool {
    match config.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => req.connection_info().scheme() == "https",
    }
}

/// The device cookie `req` carries, if any (not yet checked: see `auth::device::recognise`).
pub fn device_sent(req: &HttpRequest) -> Option<String> {
    req.cookie(device::COOKIE).map(|c| c.value().to_owned())
}

/// After a successful login of `user`: a device cookie for this browser or app, unless it
/// already carries one of that account's. HttpOnly, SameSite=Strict (only same-site login
/// forms ever need it), a year.
pub fn device_after_login(
    req: &HttpRequest,
    keys: &Keys,
    config: &Config,
    user: &UserId,
) -> Option<Cookie<'static>> {
    if device_sent(req).is_some_and(|v| device::recognise(keys, &v, user).is_some()) {
        return None;
    }
    Some(
        Cookie::build(device::COOKIE, device::issue(keys, user))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure(req, config))
            .max_age(CookieDuration::seconds(device::MAX_AGE_SECS))
            .finish(),
    )
}
