//! `/api/v1/admin/*`: accounts, the audit log and instance settings, for administrators.
//! Every handler takes `AdminUser`: for anyone else these routes answer 404.

use crate::api::endpoint::Endpoint;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::api::views::UserView;
use crate::audit::AuditQuery;
use crate::auth::tokens::rfc3339;
use crate::db;
use crate::db::ids::UserId;
use crate::db::models::audit::{self, AuditRow};
use crate::db::models::users::{self, Role, UserState};
use crate::error::{AppError, FieldErrors};
use crate::http::auth::{AdminUser, admin_gate, origin};
use crate::settings::{self, Change, Settings};
use crate::state::AppState;
use crate::users::RegisterInput;
use crate::users::admin::{self, UserChanges, UserListQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin_gate))
            .service(Endpoint::at("/users").get(list_users).post(create_user))
            .service(
                Endpoint::at("/users/{id}").get(get_user).patch(update_user).delete(delete_user),
            )
            .service(Endpoint::at("/users/{id}/logout").post(logout_user))
            .service(Endpoint::at("/users/{id}/password").put(reset_password))
            .service(Endpoint::at("/users/{id}/reset-2fa").post(reset_2fa))
            .service(Endpoint::at("/audit").get(list_audit))
            .service(Endpoint::at("/settings").get(get_settings).patch(update_settings)),
    );
}

#[derive(Serialize, utoipa::ToSchema)]
struct UserPage {
    items: Vec<UserView>,
    total: i64,
    page: i64,
    per_page: i64,
}

/// `GET /api/v1/admin/users?q=&sort=username|created|last_login|storage&order=&page=&per_page=`
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserListQuery), responses((status = 200, description = "A page of accounts", body = UserPage)))]
async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<UserListQuery>,
) -> Result<web::Json<UserPage>, AppError> {
    let (query, page, per_page) = query.to_query()?;
    let (rows, total) = db::run(&state.db, move |conn| Ok(users::search(conn, &query)?)).await?;
    Ok(web::Json(UserPage {
        items: rows.iter().map(UserView::from).collect(),
        total,
        page,
        per_page,
    }))
}

/// `GET /api/v1/admin/users/{id}`
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", params(("id" = String, Path, description = "A user id")), responses((status = 200, description = "The account", body = UserView)))]
async fn get_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<UserView>, AppError> {
    let id = UserId(id.into_inner());
    let user = db::run(&state.db, move |conn| Ok(users::find(conn, &id)?)).await?;
    Ok(web::Json(UserView::from(&user)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewUser)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[schema(required = true)]
    username: Option<String>,
    #[schema(required = true)]
    password: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    role: Option<String>,
    quota: Option<i64>,
}

fn quota_bytes(quota: Option<i64>) -> Result<Option<u64>, AppError> {
    quota
        .map(|q| {
            u64::try_from(q).map_err(|_| {
                AppError::Validation(FieldErrors::single("quota", "must be 0 or more bytes"))
            })
        })
        .transpose()
}

/// `POST /api/v1/admin/users` `{username, password, email?, phone?, role?, quota?}` (201)
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = CreateBody, responses((status = 201, description = "The new account", body = UserView)))]
async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let role = Role::parse(body.role.as_deref().unwrap_or("user"))?;
    let quota = quota_bytes(body.quota)?;
    let input = RegisterInput {
        username: body.username.unwrap_or_default(),
        password: body.password.unwrap_or_default(),
        email: body.email,
        phone: body.phone,
    };
    let user =
        admin::create_user(&state.accounts(), admin.0.user, input, role, quota, origin(&req))
            .await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = UserChange)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    state: Option<String>,
    role: Option<String>,
    quota: Option<i64>,
}

/// `PATCH /api/v1/admin/users/{id}` `{state?, role?, quota?}`
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", params(("id" = String, Path, description = "A user id")), request_body = UpdateBody, responses((status = 200, description = "The changed account", body = UserView), (status = 409, description = "`conflict`: the instance would be left without an active administrator", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<UpdateBody>,
) -> Result<web::Json<UserView>, AppError> {
    let body = body.into_inner();
    let changes = UserChanges {
        state: body.state.as_deref().map(UserState::parse).transpose()?,
        role: body.role.as_deref().map(Role::parse).transpose()?,
        quota: body.quota,
    };
    let (id, from) = (UserId(id.into_inner()), origin(&req));
    let user = db::run(&state.db, move |conn| {
        admin::update_user(conn, &admin.0.user, &id, &changes, &from, Utc::now().naive_utc())
    })
    .await?;
    Ok(web::Json(UserView::from(&user)))
}

/// `DELETE /api/v1/admin/users/{id}`: the account, its files and sessions (204).
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin", params(("id" = String, Path, description = "A user id")), responses((status = 204, description = "Deleted with its files and sessions"), (status = 409, description = "`conflict`", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn delete_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, from, st) = (UserId(id.into_inner()), origin(&req), state.clone());
    db::run(&state.db, move |conn| {
        let now = Utc::now().naive_utc();
        admin::delete_user(conn, st.storage.as_ref(), &st.thumbs, &admin.0.user, &id, &from, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, utoipa::ToSchema)]
struct Ended {
    sessions_ended: usize,
}

/// `POST /api/v1/admin/users/{id}/logout`: ends every session of that account.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/logout", tag = "admin", params(("id" = String, Path, description = "A user id")), responses((status = 200, description = "How many sessions ended", body = Ended)))]
async fn logout_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<Ended>, AppError> {
    let (id, from) = (UserId(id.into_inner()), origin(&req));
    let n = db::run(&state.db, move |conn| {
        admin::end_sessions(conn, &admin.0.user, &id, &from, Utc::now().naive_utc())
    })
    .await?;
    Ok(web::Json(Ended { sessions_ended: n }))
}

/// `POST /api/v1/admin/users/{id}/reset-2fa`: turns that account's two-factor login off
/// (its recovery codes and open login challenges go too) (204).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-2fa", tag = "admin", params(("id" = String, Path, description = "A user id")), responses((status = 204, description = "Two-factor login is off for that account")))]
async fn reset_2fa(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, from) = (UserId(id.into_inner()), origin(&req));
    db::run(&state.db, move |conn| {
        let target = crate::db::models::users::find(conn, &id)?;
        crate::users::totp::admin_reset(conn, Some(&admin.0.user), &target, &from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = PasswordReset)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    #[schema(required = true)]
    new_password: Option<String>,
}

/// `PUT /api/v1/admin/users/{id}/password` `{new_password}`: sets it and ends their sessions.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/password", tag = "admin", params(("id" = String, Path, description = "A user id")), request_body = PasswordBody, responses((status = 204, description = "Set; their sessions have ended")))]
async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    let password = body.into_inner().new_password.unwrap_or_default();
    let (id, from) = (UserId(id.into_inner()), origin(&req));
    admin::reset_password(&state.accounts(), admin.0.user, id, password, from).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub actor_id: Option<String>,
    pub actor: Option<String>,
    pub target_id: Option<String>,
    pub target: Option<String>,
    pub login: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// What else there is to say, in English (the same text as before `detail_code` existed).
    pub detail: Option<String>,
    /// What `detail` says as a stable code, for clients that show it in their own words:
    /// `password_login`, `two_factor_login`, `device_login`, `login_failed`, `wrong_code`,
    /// `other_sessions_ended`, `logged_out_everywhere`, `sessions_ended`, `role_changed`,
    /// `quota_changed`, `created_with_role`, `deleted_with_files`, `device_request`,
    /// `app_password_created`, `app_password_revoked`, `registration_changed`,
    /// `default_quota_changed`, `trash_retention_changed`, `share_link`,
    /// `share_wrong_password`. `null` on entries without a detail or written before codes
    /// existed; a client should show `detail` for a code it does not know.
    #[schema(example = "sessions_ended")]
    pub detail_code: Option<String>,
    /// The values of `detail_code` (names, counts, roles, clients, sizes in bytes, days), such
    /// as `{"count": 3}` or `{"from": "user", "to": "admin"}`; `null` when it has none.
    #[schema(value_type = Option<Object>)]
    pub detail_params: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            id: r.id,
            at: rfc3339(r.at),
            event: r.event,
            actor_id: r.actor_id,
            actor: r.actor_name,
            target_id: r.target_id,
            target: r.target_name,
            login: r.login,
            ip: r.ip,
            user_agent: r.user_agent,
            detail: r.detail,
            detail_code: r.detail_code,
            detail_params: r
                .detail_params
                .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
                .filter(serde_json::Value::is_object),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct AuditPage {
    items: Vec<AuditView>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_before: Option<i64>,
}

/// `GET /api/v1/admin/audit?event=&user=&q=&before=&limit=`: newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery), responses((status = 200, description = "Newest first", body = AuditPage)))]
async fn list_audit(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, AppError> {
    let (filter, limit) = query.to_filter()?;
    let rows = db::run(&state.db, move |conn| Ok(audit::list(conn, &filter, limit + 1)?)).await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    let items: Vec<AuditView> =
        rows.into_iter().take(usize::try_from(limit).unwrap_or(0)).map(AuditView::from).collect();
    let next_before = if more { items.last().map(|i| i.id) } else { None };
    Ok(web::Json(AuditPage { items, next_before }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct SettingsView {
    registration: &'static str,
    default_quota: u64,
    trash_retention_days: u32,
    /// Where each value comes from: `admin` (changed at runtime) or `environment`.
    registration_source: &'static str,
    default_quota_source: &'static str,
    trash_retention_days_source: &'static str,
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        let source = |stored| if stored { "admin" } else { "environment" };
        SettingsView {
            registration: s.registration.as_str(),
            default_quota: s.default_quota,
            registration_source: source(s.registration_stored),
            default_quota_source: source(s.default_quota_stored),
            trash_retention_days: s.trash_retention_days,
            trash_retention_days_source: source(s.trash_retention_stored),
        }
    }
}

/// `GET /api/v1/admin/settings`
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin", responses((status = 200, description = "The instance settings", body = SettingsView)))]
async fn get_settings(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> Result<web::Json<SettingsView>, AppError> {
    let st = state.clone();
    let s = db::run(&state.db, move |conn| settings::current(conn, &st.config)).await?;
    Ok(web::Json(s.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    registration: Option<String>,
    default_quota: Option<i64>,
    trash_retention_days: Option<i64>,
}

/// `PATCH /api/v1/admin/settings` `{registration?, default_quota?, trash_retention_days?}`:
/// takes effect at once.
#[utoipa::path(patch, path = "/api/v1/admin/settings", tag = "admin", request_body = SettingsBody, responses((status = 200, description = "The settings now in force", body = SettingsView)))]
async fn update_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<SettingsBody>,
) -> Result<web::Json<SettingsView>, AppError> {
    let body = body.into_inner();
    let change = Change {
        registration: body.registration,
        default_quota: body
            .default_quota
            .map(|q| {
                u64::try_from(q).map_err(|_| {
                    AppError::Validation(FieldErrors::single(
                        "default_quota",
                        "must be 0 or more bytes",
                    ))
                })
            })
            .transpose()?,
        // Out of range (even past u32) is the domain's validation error, with its message.
        trash_retention_days: body.trash_retention_days.map(|d| u32::try_from(d).unwrap_or(0)),
    };
    let (st, from) = (state.clone(), origin(&req));
    let s = db::run(&state.db, move |conn| {
        settings::update(conn, &st.config, &admin.0.user, &change, &from, Utc::now().naive_utc())
    })
    .await?;
    Ok(web::Json(s.into()))
}
