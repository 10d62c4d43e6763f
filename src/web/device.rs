//! `/device`: a logged-in user approves (or denies) an app's device login (RFC 8628; the
//! domain is `auth::device_flow`). Three steps, each a plain form: type the code the app
//! shows, see what asked (app name, address, device, time) and decide, read the outcome.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::device_flow::{self, Decided, Lookup};
use crate::auth::recent;
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::error::AppError;
use crate::http::auth::origin;
use crate::state::AppState;
use crate::web::i18n::DeviceUi;
use crate::web::{CsrfForm, Locale, Nav, PageError, PageUser, display_time, html};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/device", web::get().to(code_page))
        .route("/device", web::post().to(code_submit))
        .route("/device/decide", web::post().to(decide));
}

/// Step 1: the code form.
#[derive(Template)]
#[template(path = "auth/device.html")]
struct CodePage {
    nav: Nav,
    d: &'static DeviceUi,
    code: String,
    error: Option<String>,
}

/// Step 2: what asked, and the two buttons.
#[derive(Template)]
#[template(path = "auth/device_confirm.html")]
struct ConfirmPage {
    nav: Nav,
    d: &'static DeviceUi,
    id: String,
    client_name: String,
    user_code: String,
    ip: String,
    user_agent: String,
    asked_at: String,
    asked_iso: String,
}

/// How it ended, for step 3.
enum Outcome {
    Approved,
    Denied,
    Expired,
    Used,
}

/// Step 3: the outcome.
#[derive(Template)]
#[template(path = "auth/device_done.html")]
struct DonePage {
    nav: Nav,
    d: &'static DeviceUi,
    outcome: Outcome,
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// `GET /device?code=`: the code form, filled in from the link the app showed.
async fn code_page(
    state: web::Data<AppState>,
    PageUser(me): PageUser,
    loc: Locale,
    q: web::Query<CodeQuery>,
) -> Result<HttpResponse, PageError> {
    let code = q.code.as_deref().unwrap_or_default();
    let page = CodePage {
        nav: Nav::user(&state, &me, &loc),
        d: loc.lang.device(),
        // Only what a code can be made of: the link may have been forged.
        code: code.chars().filter(|c| c.is_ascii_alphabetic() || *c == '-').take(16).collect(),
        error: None,
    };
    html(HttpResponse::Ok(), &page)
}

#[derive(Deserialize)]
struct CodeForm {
    user_code: Option<String>,
    csrf_token: Option<String>,
}

#[derive(Deserialize)]
struct DecideForm {
    id: Option<String>,
    decision: Option<String>,
    csrf_token: Option<String>,
}

crate::csrf_protected!(CodeForm, DecideForm);

/// `POST /device`: look the typed code up (rate limited) and ask for a decision.
async fn code_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, CodeForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let typed = form.user_code.unwrap_or_default();
    let (user, ip, now) = (me.user.clone(), origin(&req).ip, Utc::now().naive_utc());
    // Approving gives an app a session as lasting as an app password: like creating one, it
    // needs a recent login (then back here with the code filled in).
    if !recent::is_recent(&me.session, now) {
        let code: String = typed.chars().filter(char::is_ascii_alphabetic).take(8).collect();
        return Err(PageError::Reauth { next: format!("/device?code={code}") });
    }
    let text = typed.clone();
    let found =
        db::run(&state.db, move |conn| device_flow::lookup(conn, &user, ip.as_deref(), &text, now))
            .await;
    let (d, nav) = (loc.lang.device(), Nav::user(&state, &me, &loc));
    let (status, error) = match found {
        Ok(Lookup::Pending(row)) => {
            let page = ConfirmPage {
                nav,
                d,
                id: row.id,
                client_name: row.client_name,
                user_code: device_flow::display_user_code(&row.user_code),
                ip: row.ip.unwrap_or_else(|| d.unknown.to_owned()),
                user_agent: row.user_agent.unwrap_or_else(|| d.unknown.to_owned()),
                asked_at: display_time(row.created_at),
                asked_iso: rfc3339(row.created_at),
            };
            return html(HttpResponse::Ok(), &page);
        }
        Ok(Lookup::Expired) => return done(nav, d, Outcome::Expired),
        Ok(Lookup::Decided) => return done(nav, d, Outcome::Used),
        Ok(Lookup::Unknown) => (StatusCode::BAD_REQUEST, d.wrong_code.to_owned()),
        // Too many codes tried (429 with Retry-After) or a failure: the error page.
        Err(e) => return Err(e.into()),
    };
    let code: String = typed.chars().take(16).collect();
    html(HttpResponse::build(status), &CodePage { nav, d, code, error: Some(error) })
}

/// `POST /device/decide`: approve or deny the request shown on the confirmation page.
async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { user: PageUser(me), form }: CsrfForm<PageUser, DecideForm>,
    loc: Locale,
) -> Result<HttpResponse, PageError> {
    let approve = match form.decision.as_deref() {
        Some("approve") => true,
        Some("deny") => false,
        _ => return Err(AppError::BadRequest("choose approve or deny".into()).into()),
    };
    let id = form.id.filter(|id| !id.is_empty() && id.len() <= 64).ok_or(AppError::NotFound)?;
    let (user, from, now) = (me.user.clone(), origin(&req), Utc::now().naive_utc());
    if approve && !recent::is_recent(&me.session, now) {
        return Err(PageError::Reauth { next: "/device".into() });
    }
    let decided =
        db::run(&state.db, move |conn| device_flow::decide(conn, &user, &id, approve, &from, now))
            .await?;
    let outcome = match decided {
        Decided::Approved => Outcome::Approved,
        Decided::Denied => Outcome::Denied,
        Decided::Expired => Outcome::Expired,
        Decided::AlreadyDecided => Outcome::Used,
    };
    done(Nav::user(&state, &me, &loc), loc.lang.device(), outcome)
}

/// The outcome page: 200 for a decision made, 400 for one that could not be.
fn done(nav: Nav, d: &'static DeviceUi, outcome: Outcome) -> Result<HttpResponse, PageError> {
    let status = match outcome {
        Outcome::Approved | Outcome::Denied => StatusCode::OK,
        Outcome::Expired | Outcome::Used => StatusCode::BAD_REQUEST,
    };
    html(HttpResponse::build(status), &DonePage { nav, d, outcome })
}
