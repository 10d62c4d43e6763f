//! Errors on pages: the error page in the request's language, and [`PageError`], which is
//! that page or a redirect to the login page.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::Cookie;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::i18n::{self, Lang, Locale};
use super::{Nav, redirect, urlencode};
use crate::error::AppError;
use crate::http::auth::{SESSION_COOKIE, app_state, authenticate, cookie_token};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    status: u16,
    title: &'static str,
    explanation: &'static str,
    detail: String,
}

impl ErrorPage {
    fn new(e: &AppError, loc: &Locale) -> Self {
        let status = e.code_and_status().1;
        let t = loc.lang.ui();
        let (title, explanation) = match status.as_u16() {
            400 => (t.error_400, t.error_400_text),
            401 => (t.error_401, t.error_401_text),
            403 => (t.error_403, t.error_403_text),
            404 => (t.error_404, t.error_404_text),
            409 => (t.error_409, t.error_409_text),
            413 => (t.error_413, t.error_413_text),
            415 => (t.error_415, t.error_415_text),
            422 => (t.error_422, t.error_422_text),
            429 => (t.error_429, t.error_429_text),
            500..=599 => (t.error_500, t.error_500_text),
            _ => (t.error_other, ""),
        };
        // Internal errors show no detail, and "not found" says nothing the title does not;
        // everything else is written for people.
        let detail = match e {
            AppError::NotFound | AppError::Internal(_) => String::new(),
            // A message with a number in it: the table of messages holds fixed text only.
            AppError::UploadsLimited { retry_after_secs } => loc
                .lang
                .shares()
                .drop_too_many
                .replace("{min}", &retry_after_secs.div_ceil(60).to_string()),
            e => capitalize(i18n::translate(loc.lang, &e.to_string())),
        };
        ErrorPage { nav: Nav::bare(loc), status: status.as_u16(), title, explanation, detail }
    }

    /// The page as a response with the error's status and extra headers (`Retry-After`).
    fn respond(&self, e: &AppError) -> HttpResponse {
        let mut resp = HttpResponse::build(e.code_and_status().1);
        for h in e.extra_headers() {
            resp.insert_header(h);
        }
        match self.render() {
            Ok(body) => resp.content_type("text/html; charset=utf-8").body(body),
            Err(_) => resp.content_type("text/plain; charset=utf-8").body(self.detail.clone()),
        }
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An error page answered by a page handler, rendered again in the language of the request
/// (`ResponseError` does not see the request); anything else, API errors included, passes
/// through untouched. Part of the middleware around every route (`http::around`).
pub async fn localize_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> ServiceResponse<EitherBody<B>> {
    let Some(PageError::App(e)) = res.response().error().and_then(|e| e.as_error::<PageError>())
    else {
        return res.map_into_left_body();
    };
    // Only now: this runs on every route, the image previews' hot path included.
    let loc = Locale::of(res.request());
    let mut page = ErrorPage::new(e, &loc);
    // Someone logged in keeps their header (their menu, their way back to their files).
    if let (Some(token), Ok(state)) = (cookie_token(res.request()), app_state(res.request()))
        && let Ok(me) = authenticate(&state, &token).await
    {
        page.nav = Nav::user(&state, &me, &loc);
    }
    let page = page.respond(e);
    res.into_response(page).map_into_right_body()
}

/// An error on a page: the error page, or a redirect to the login page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("login required")]
    Login { next: Option<String>, notice: &'static str },
    /// A sensitive action without a recent login: confirm the password, then back to `next`.
    #[error("confirm your password")]
    Reauth { next: String },
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::App(e) => e.code_and_status().1,
            PageError::Login { .. } | PageError::Reauth { .. } => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::Login { next, notice } => {
                let mut url = format!("/login?notice={notice}");
                if let Some(next) = next {
                    url.push_str("&next=");
                    url.push_str(&urlencode(next));
                }
                let mut gone = Cookie::new(SESSION_COOKIE, "");
                gone.set_path("/");
                gone.make_removal();
                redirect(&url).cookie(gone).finish()
            }
            PageError::Reauth { next } => {
                redirect(&format!("/account/confirm?next={}", urlencode(next))).finish()
            }
            PageError::App(e) => {
                e.log_if_internal();
                // English here; `localize_errors` renders it again in the request's language.
                let loc = Locale { lang: Lang::En, here: "/".into() };
                ErrorPage::new(e, &loc).respond(e)
            }
        }
    }
}
