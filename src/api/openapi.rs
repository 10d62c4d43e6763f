//! The API's OpenAPI 3.1 document (`GET /api/v1/openapi.json`) and Swagger UI (`/api/docs/`).
//!
//! The document is derived from the code: every handler carries `#[utoipa::path]`, every body
//! `ToSchema`, and [`ApiDoc`] lists the handlers. What is the same everywhere is added here
//! once: the security schemes and the problem-details answers (`application/problem+json`,
//! [`crate::error::Problem`]) with the stable `code`s each status carries.
//! `tests/api/openapi.rs` checks that every registered route is in the document and back.
//!
//! Swagger UI is `swagger-ui-dist` vendored under `static/vendor/` and served from the binary,
//! with an external init script, so the pages' CSP (`script-src 'self'`) holds.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{
    admin, app_passwords, archives, auth, device, files, me, organize, preview, search, sessions,
    shares, totp, trash, uploads,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "homedisk API",
        description = "A self-hosted personal disk. Errors are RFC 9457 problem details with a \
                       stable `code`. Authenticate with a Bearer access token (from \
                       `/api/v1/auth/login`), the legacy `token` header, an app password over \
                       HTTP Basic, or the web session cookie (then unsafe methods need \
                       `X-CSRF-Token`)."
    ),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::logout_all,
        device::request, device::token,
        totp::login_mfa, totp::confirm_identity,
        me::me, me::change_password,
        totp::enrol, totp::confirm, totp::regenerate, totp::disable,
        sessions::list, sessions::revoke,
        app_passwords::create, app_passwords::list, app_passwords::revoke,
        files::list, files::upload, files::metadata, files::update, files::delete,
        files::create_folder, files::content, files::preview_url,
        organize::star, organize::unstar, organize::starred, organize::recent,
        organize::copy_one, organize::run_batch,
        archives::folder, archives::create, archives::download,
        search::search_files,
        trash::list, trash::restore, trash::purge, trash::empty,
        shares::create, shares::list, shares::of_file, shares::one, shares::edit, shares::revoke,
        uploads::options, uploads::create, uploads::status, uploads::patch, uploads::terminate,
        admin::list_users, admin::get_user, admin::create_user, admin::update_user,
        admin::delete_user, admin::logout_user, admin::reset_2fa, admin::reset_password,
        admin::list_audit, admin::get_settings, admin::update_settings,
        preview::preview,
        openapi_json,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&Security, &Problems),
    security(
        ("bearer" = []), ("token_header" = []), ("basic" = []),
        ("session_cookie" = [], "csrf" = []),
    ),
    tags(
        (name = "auth", description = "Accounts: register, log in, log out"),
        (name = "account", description = "The caller's account, sessions, app passwords, 2FA"),
        (name = "files", description = "Files and folders"),
        (name = "trash", description = "Deleted items, until purged"),
        (name = "shares", description = "Share links"),
        (name = "uploads", description = "Resumable uploads (tus 1.0)"),
        (name = "admin", description = "Administrators only (others get 404)"),
        (name = "meta", description = "This document"),
    ),
)]
pub struct ApiDoc;

/// The multipart body of `POST /api/v1/files`.
#[derive(ToSchema)]
pub struct UploadForm {
    /// The folder to store into; absent: the root (or `?folder=`).
    pub folder: Option<String>,
    /// One part per file; its file name is the stored name.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<Vec<u8>>,
}

/// The ways a request may carry its credential (see `http::auth`).
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let http = |scheme, text: &str| {
            SecurityScheme::Http(Http::builder().scheme(scheme).description(Some(text)).build())
        };
        let key = ApiKeyValue::with_description;
        let api_key = SecurityScheme::ApiKey;
        let schemes = [
            (
                "bearer",
                http(HttpAuthScheme::Bearer, "An access token from login (`z-token: …` works too)"),
            ),
            (
                "token_header",
                api_key(ApiKey::Header(key("token", "The access token (the legacy header)"))),
            ),
            ("basic", http(HttpAuthScheme::Basic, "Your user name and an app password (`hdk_…`)")),
            (
                "session_cookie",
                api_key(ApiKey::Cookie(key("homedisk_session", "The web login's cookie"))),
            ),
            (
                "csrf",
                api_key(ApiKey::Header(key("X-CSRF-Token", "With the cookie, on unsafe methods"))),
            ),
            (
                "preview_token",
                api_key(ApiKey::Query(key(
                    "token",
                    "`/preview`: a preview token, or an access token",
                ))),
            ),
        ];
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, scheme) in schemes {
            components.add_security_scheme(name, scheme);
        }
    }
}

/// The error answers of every operation: `(status, the codes it carries)`. The codes are
/// `AppError::code_and_status`'s.
const PROBLEMS: &[(&str, &str)] = &[
    ("400", "`bad_request` (a malformed request) or `validation_failed` (see `errors`)"),
    (
        "401",
        "`token_missing`, `token_invalid`, `token_expired`, `token_revoked`; logins: \
         `invalid_credentials`, `mfa_required`, `mfa_invalid`, `mfa_expired`; refresh: \
         `refresh_token_reused`",
    ),
    (
        "403",
        "`user_disabled`, `scope_insufficient`, `csrf_failed` (the cookie without \
         `X-CSRF-Token`), `reauth_required` (log in again first), `registration_closed`",
    ),
    ("404", "`not_found`: no such item, or not the caller's"),
    ("413", "`payload_too_large` or `quota_exceeded`"),
    ("415", "`unsupported_media`"),
    ("429", "`rate_limited`: wait `Retry-After` seconds"),
    ("503", "`busy`, `database_unavailable` or `storage_unavailable`: retry after `Retry-After`"),
];

/// What the tus routes add (`/api/v1/uploads`).
const TUS_PROBLEMS: &[(&str, &str)] = &[
    ("409", "`upload_offset`: the upload is elsewhere; ask with HEAD"),
    ("410", "`upload_gone`: expired, finished or cancelled"),
    ("412", "`tus_version`: send `Tus-Resumable: 1.0.0`"),
    ("423", "`upload_busy`: another request is writing to it"),
    ("460", "`checksum_mismatch`: nothing of the chunk was kept"),
];

fn problem(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content)
        .build()
        .into()
}

/// Adds the problem answers to every operation (an operation's own entry for a status wins).
struct Problems;

impl Modify for Problems {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let tus = path.starts_with("/api/v1/uploads");
            let extra = if tus { TUS_PROBLEMS } else { &[] };
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for &(status, codes) in PROBLEMS.iter().chain(extra) {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(codes));
                }
            }
        }
    }
}

/// The document, built once.
fn document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        // Serializing a tree of plain maps and strings cannot fail.
        ApiDoc::openapi().to_pretty_json().unwrap_or_default()
    })
}

/// `GET /api/v1/openapi.json`: this API's OpenAPI document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "This document", content_type = "application/json"))
)]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document())
}

/// `/api/v1/openapi.json`, inside the API's scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::endpoint::Endpoint::at("/openapi.json").get(openapi_json));
}

/// Swagger UI's page: the vendored files and an external init script, nothing inline.
const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>homedisk API</title>
<link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="swagger-init.js"></script>
</body>
</html>
"#;

/// `(name, content type, bytes)` under `/api/docs/`. swagger-ui-dist 5.35.0 (Apache-2.0,
/// static/vendor/swagger-ui.LICENSE and .NOTICE).
const DOCS_ASSETS: &[(&str, &str, &[u8])] = &[
    ("", "text/html; charset=utf-8", DOCS_PAGE.as_bytes()),
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/vendor/swagger-ui.css"),
    ),
    (
        "swagger-init.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/swagger-init.js"),
    ),
];

/// `/api/docs/`: Swagger UI over the document (`/api/docs` redirects there, so the page's
/// relative links resolve).
pub fn configure_docs(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect().insert_header(("Location", "/api/docs/")).finish()
        }),
    );
    for &(name, content_type, body) in DOCS_ASSETS {
        cfg.route(
            &format!("/api/docs/{name}"),
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type(content_type)
                    .insert_header(("Cache-Control", "public, max-age=3600"))
                    .body(body)
            }),
        );
    }
}
