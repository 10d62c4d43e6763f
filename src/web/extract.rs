//! Who may call a page handler, in its signature: [`PageUser`] (the session cookie),
//! [`PageAdmin`] (an administrator, else 404) and [`CsrfForm`] (a form whose CSRF token was
//! checked against that user's session).

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::PageError;
use crate::auth::csrf;
use crate::auth::sessions::EndReason;
use crate::db::models::users::Role;
use crate::error::AppError;
use crate::http::auth::{CurrentUser, app_state, authenticate_cookie, cookie_token};
use crate::state::AppState;

/// The logged-in user of a page, from the session cookie.
pub struct PageUser(pub CurrentUser);

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            // Come back here after logging in, if "here" can be reached by a GET.
            let next =
                (req.method() == actix_web::http::Method::GET).then(|| req.uri().to_string());
            let Some(token) = cookie_token(&req) else {
                return Err(PageError::Login { next, notice: "login" });
            };
            match authenticate_cookie(&req, &state, &token).await {
                Ok(me) => Ok(PageUser(me)),
                Err(e) => {
                    let notice = match &e {
                        AppError::TokenExpired => "expired",
                        AppError::UserDisabled => "disabled",
                        AppError::TokenRevoked(Some(EndReason::SignedInElsewhere)) => "elsewhere",
                        AppError::TokenRevoked(_) => "ended",
                        e if e.is_authentication() => "login",
                        _ => return Err(PageError::App(e)),
                    };
                    Err(PageError::Login { next, notice })
                }
            }
        })
    }
}

/// Whether `me` may use the admin pages: the admin role, and a token carrying the `admin`
/// scope (the rule of the API's `AdminUser`). An account promoted while logged in gets the
/// scope, and so the admin pages, at its next login.
pub(super) fn is_admin(me: &CurrentUser) -> bool {
    me.user.role() == Role::Admin && me.claims.has_scope("admin")
}

/// An administrator on a page, from the session cookie. For anyone else (no cookie, a dead
/// session, a disabled account, not an admin) it is the not-found page, never a redirect to
/// the login page: the admin area cannot be probed.
#[derive(Clone)]
pub struct PageAdmin(pub CurrentUser);

impl PageAdmin {
    async fn check(req: &HttpRequest) -> Result<Self, PageError> {
        let state = app_state(req)?;
        let token = cookie_token(req).ok_or(AppError::NotFound)?;
        let me = match authenticate_cookie(req, &state, &token).await {
            Ok(me) => me,
            Err(e) if e.is_authentication() || matches!(e, AppError::UserDisabled) => {
                return Err(AppError::NotFound.into());
            }
            Err(e) => return Err(e.into()),
        };
        if !is_admin(&me) {
            return Err(AppError::NotFound.into());
        }
        Ok(PageAdmin(me))
    }
}

impl FromRequest for PageAdmin {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already checked by `admins_only` for this request.
        let checked = req.extensions().get::<PageAdmin>().cloned();
        let req = req.clone();
        Box::pin(async move {
            match checked {
                Some(admin) => Ok(admin),
                None => PageAdmin::check(&req).await,
            }
        })
    }
}

/// Middleware for a scope of admin pages: checks the caller before any extractor reads the
/// query or the body, so for anyone else every route in it answers 404, even with a malformed
/// request that would otherwise be a 400 and give the area away. Handlers still take
/// [`PageAdmin`] (which then reuses this check).
pub async fn admins_only<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    match PageAdmin::check(req.request()).await {
        Ok(admin) => {
            req.extensions_mut().insert(admin);
            next.call(req).await.map(ServiceResponse::map_into_left_body)
        }
        // A response, not an `Err`, so the outer middleware (security headers) still applies.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

impl AsRef<CurrentUser> for PageUser {
    fn as_ref(&self) -> &CurrentUser {
        &self.0
    }
}

impl AsRef<CurrentUser> for PageAdmin {
    fn as_ref(&self) -> &CurrentUser {
        &self.0
    }
}

/// A form that carries the `csrf_token` field.
pub trait CsrfProtected {
    fn csrf_token(&self) -> Option<&str>;
}

/// Implements [`CsrfProtected`] for form structs with a `csrf_token: Option<String>` field.
#[macro_export]
macro_rules! csrf_protected {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::CsrfProtected for $form {
            fn csrf_token(&self) -> Option<&str> {
                self.csrf_token.as_deref()
            }
        })+
    };
}

/// A form posted by the caller `U` (a [`PageUser`] or a [`PageAdmin`]) whose CSRF token was
/// checked against that caller's session before the handler runs. A page handler that changes
/// anything takes one; one that takes a bare `web::Form` with a logged-in user is a bug.
pub struct CsrfForm<U, T> {
    pub user: U,
    pub form: T,
}

impl<U, T> FromRequest for CsrfForm<U, T>
where
    U: FromRequest<Error = PageError> + AsRef<CurrentUser> + 'static,
    T: serde::de::DeserializeOwned + CsrfProtected + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = U::from_request(req, payload);
        let form = actix_web::web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            let form = form.await?.into_inner();
            let state = app_state(&req).map_err(PageError::from)?;
            check_csrf(&state, user.as_ref(), form.csrf_token())?;
            Ok(CsrfForm { user, form })
        })
    }
}

/// Checks a logged-in form's CSRF token.
pub fn check_csrf(
    state: &AppState,
    me: &CurrentUser,
    presented: Option<&str>,
) -> Result<(), PageError> {
    match presented {
        Some(p) if csrf::verify(&state.keys, me.session.id.as_str(), p) => Ok(()),
        _ => Err(PageError::App(AppError::CsrfFailed)),
    }
}
