//! Cookies more than one adapter sets: whether they are `Secure`, the session cookie (set at
//! login and re-issued when a sliding session is renewed), and the device cookie that both
//! login routes (the page and the JSON API) hand out.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpMessage, HttpRequest};

use crate::auth::device;
use crate::auth::tokens::Keys;
use crate::config::{Config, CookieSecure};
use crate::db::ids::UserId;
use crate::db::models::sessions::Session;
use crate::http::auth::SESSION_COOKIE;

/// The session cookie for `session`, holding `token`: HttpOnly, SameSite=Lax, Path=/, Secure
/// per config. A "keep me signed in" session gets a persistent cookie that lasts as long as
/// the session; any other a browser-session cookie (gone when the browser closes).
pub fn session(
    req: &HttpRequest,
    config: &Config,
    token: String,
    session: &Session,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(req, config))
        .finish();
    if session.persistent {
        let left = (session.expires_at - chrono::Utc::now().naive_utc()).num_seconds().max(0);
        cookie.set_max_age(CookieDuration::seconds(left));
    }
    cookie
}

/// A renewed session's cookie, noted on the request by `http::auth::authenticate_cookie`.
#[derive(Clone)]
pub struct Reissue(pub Cookie<'static>);

/// Sets the renewed session cookie noted during the request, unless the response sets the
/// session cookie itself (a login, or a logout removing it). Part of the middleware around
/// every route (`http::around`).
pub fn reissue<B>(
    mut res: actix_web::dev::ServiceResponse<B>,
) -> Result<actix_web::dev::ServiceResponse<B>, actix_web::Error> {
    let renewed = res.request().extensions().get::<Reissue>().cloned();
    if let Some(Reissue(cookie)) = renewed {
        let sets_own = res.response().cookies().any(|c| c.name() == SESSION_COOKIE);
        if !sets_own {
            res.response_mut()
                .add_cookie(&cookie)
                .map_err(actix_web::error::ErrorInternalServerError)?;
        }
    }
    Ok(res)
}

/// Whether cookies set in answer to `req` carry `Secure` (`auto`: when it came over HTTPS, as
/// far as `http::site` believes the request).
pub fn secure(req: &HttpRequest, config: &Config) -> bool {
    match config.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => crate::http::site::is_https(req, config),
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
