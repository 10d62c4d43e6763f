//! `/api/v1/app-passwords`: create (the secret is in the answer once), list, revoke. Only
//! the account holder, never an app password, and creating needs a recent login.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Detail, Entry, Event};
use crate::auth::app_passwords::{self, Request};
use crate::auth::sessions::EndReason;
use crate::auth::{recent, tokens::rfc3339};
use crate::db;
use crate::db::ids::{FileId, SessionId};
use crate::db::models::app_passwords::{self as rows, AppPasswordRow};
use crate::db::models::sessions::{self as session_rows, Session};
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{AccountHolder, origin};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::at("/app-passwords").post(create).get(list))
        .service(Endpoint::at("/app-passwords/{id}").delete(revoke));
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewAppPassword)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[schema(required = true)]
    name: Option<String>,
    scope: Option<String>,
    folder: Option<String>,
    /// RFC 3339.
    expires_at: Option<String>,
    /// WebDAV stores macOS `._name` and `.DS_Store` files (default: dropped).
    keep_mac_files: Option<bool>,
}

/// An app password as listed (never its secret).
#[derive(Serialize, utoipa::ToSchema)]
pub struct AppPasswordView {
    id: String,
    name: String,
    scope: String,
    folder: Option<String>,
    keep_mac_files: bool,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    /// Only in the answer to its creation: `hdk_…`, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl AppPasswordView {
    fn new(row: &AppPasswordRow, session: &Session) -> Self {
        // An app password made without an expiry has a session end a century away.
        let far = session.created_at + chrono::Duration::days(365 * 50);
        AppPasswordView {
            id: row.session_id.to_string(),
            name: row.name.clone(),
            scope: row.scope.clone(),
            folder: row.folder_id.clone(),
            keep_mac_files: row.keep_mac_files,
            created_at: rfc3339(session.created_at),
            expires_at: (session.expires_at < far).then(|| rfc3339(session.expires_at)),
            last_used_at: (session.last_used_at > session.created_at)
                .then(|| rfc3339(session.last_used_at)),
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
            token: None,
        }
    }
}

/// An RFC 3339 time (or a plain date, meaning its end in UTC), as stored.
pub fn parse_expiry(field: &'static str, raw: &str) -> Result<NaiveDateTime, AppError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.naive_utc());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(23, 59, 59).unwrap_or_default());
    }
    Err(AppError::Validation(FieldErrors::single(
        field,
        "must be a date (2027-01-31) or an RFC 3339 time (2027-01-31T12:00:00Z)",
    )))
}

/// `POST /api/v1/app-passwords` `{name, scope?, folder?, expires_at?, keep_mac_files?}` → 201
/// with `token`.
#[utoipa::path(post, path = "/api/v1/app-passwords", tag = "account", request_body = CreateBody, responses((status = 201, description = "Created; `token` is shown this once", body = AppPasswordView)))]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now().naive_utc();
    recent::require(&me.session, now)?;
    let body = body.into_inner();
    let request = Request {
        name: body.name.unwrap_or_default(),
        scope: body.scope,
        folder: body.folder.filter(|f| !f.trim().is_empty()).map(FileId),
        expires_at: body.expires_at.map(|e| parse_expiry("expires_at", &e)).transpose()?,
        keep_mac_files: body.keep_mac_files.unwrap_or(false),
    };
    let (user, from) = (me.user.clone(), origin(&req));
    let created =
        db::run(&state.db, move |conn| app_passwords::create(conn, &user, &request, &from, now))
            .await?;
    let mut view = AppPasswordView::new(&created.row, &created.session);
    view.token = Some(created.token);
    Ok(HttpResponse::Created().json(view))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AppPasswordList)]
struct Listed {
    items: Vec<AppPasswordView>,
}

/// `GET /api/v1/app-passwords`: the live ones, newest first, without secrets.
#[utoipa::path(get, path = "/api/v1/app-passwords", tag = "account", responses((status = 200, description = "The live app passwords, without secrets", body = Listed)))]
async fn list(
    state: web::Data<AppState>,
    me: AccountHolder,
) -> Result<web::Json<Listed>, AppError> {
    let (user, now) = (me.user.id.clone(), Utc::now().naive_utc());
    let found = db::run(&state.db, move |conn| Ok(rows::list_live(conn, &user, now)?)).await?;
    Ok(web::Json(Listed { items: found.iter().map(|(r, s)| AppPasswordView::new(r, s)).collect() }))
}

/// `DELETE /api/v1/app-passwords/{id}`: 204; 404 when it is not one of the caller's.
#[utoipa::path(delete, path = "/api/v1/app-passwords/{id}", tag = "account", params(("id" = String, Path, description = "An app password id")), responses((status = 204, description = "Revoked")))]
async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: AccountHolder,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = SessionId(id.into_inner());
    let (user, from, now) = (me.user.clone(), origin(&req), Utc::now().naive_utc());
    db::run(&state.db, move |conn| revoke_one(conn, &user, &id, &from, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes the app password `id` of `user` and audits it; `NotFound` if there is none.
pub fn revoke_one(
    conn: &mut db::DbConn,
    user: &crate::db::models::users::User,
    id: &SessionId,
    from: &audit::Origin,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let live = rows::list_live(conn, &user.id, now)?;
    let Some((row, _)) = live.iter().find(|(r, _)| r.session_id == *id) else {
        return Err(AppError::NotFound);
    };
    // Its own audit event below, not `session_revoked` as well.
    if !session_rows::revoke(conn, &user.id, id, EndReason::Revoked.as_str(), now)? {
        return Err(AppError::NotFound);
    }
    let detail = Detail::AppPasswordRevoked { name: row.name.clone() };
    let entry = Entry::new(Event::AppPasswordRevoked).by(user).from(from).detail(detail);
    audit::record_quietly(conn, &entry, now);
    Ok(())
}
