//! `/admin`: the dashboard with the instance settings, the account list, a page per account
//! with every admin action, and the audit log. Thin over `users::admin`, `settings`,
//! `admin_stats` and the audit table, parsing queries the way the JSON API does
//! (`api::admin`). For anyone but an administrator the whole area answers 404: the scope is
//! wrapped in [`admins_only`] and every handler takes [`PageAdmin`](crate::web::PageAdmin).
//!
//! - `GET /admin`, `POST /admin/settings`: [`dashboard`], figures and the settings form.
//! - `GET /admin/users`, `GET|POST /admin/users/new`: [`users`], the list and new accounts.
//! - `GET /admin/users/{id}`: [`user`], one account's page, where refused actions are shown.
//! - `POST /admin/users/{id}/{state,role,quota,logout,password,delete}`: [`actions`].
//! - `GET /admin/audit`: [`audit`], the log, filtered and paged.
//!
//! Who may enter: an account with the admin role whose token carries the `admin` scope (see
//! [`PageAdmin`](crate::web::PageAdmin)); every form also carries a CSRF token. The pages never
//! write the audit log themselves: each action is one call into `crate::users::admin` (or
//! `settings::update`), which changes the rows and records who did what to whom, in the same
//! transaction (a new account's entry right after its insert), exactly as for the JSON API.
//! After an action the pages redirect with a `?notice=` code ([`notice_text`]).
//!
//! Every handler takes the request's [`Locale`](crate::web::Locale): the pages' strings come
//! from the `AdminUi` table (`nav.ta`), and what the handlers word themselves (notices, column
//! headings, role and state names, audit events) from the same table.

mod actions;
mod audit;
mod dashboard;
mod user;
mod users;

use actix_web::middleware::from_fn;
use actix_web::web;
use serde::Deserialize;

use crate::config::parse_bytes;
use crate::db::models::users::{Role, UserState};
use crate::error::{AppError, FieldErrors};
use crate::web::admins_only;
use crate::web::i18n::{AdminUi, Lang, human_size};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(from_fn(admins_only))
            .route("", web::get().to(dashboard::dashboard))
            .route("/settings", web::post().to(dashboard::save_settings))
            .route("/users", web::get().to(users::user_list))
            .route("/users/new", web::get().to(users::new_user_page))
            .route("/users/new", web::post().to(users::create_user))
            .route("/users/{id}", web::get().to(user::user_page))
            .route("/users/{id}/state", web::post().to(actions::set_state))
            .route("/users/{id}/role", web::post().to(actions::set_role))
            .route("/users/{id}/quota", web::post().to(actions::set_quota))
            .route("/users/{id}/logout", web::post().to(actions::force_logout))
            .route("/users/{id}/password", web::post().to(actions::reset_password))
            .route("/users/{id}/reset-2fa", web::post().to(actions::reset_2fa))
            .route("/users/{id}/delete", web::post().to(actions::delete_user))
            .route("/audit", web::get().to(audit::audit_log)),
    );
}

/// The message a `?notice=` code stands for (codes, not text, so the URL cannot inject words).
fn notice_text(ta: &'static AdminUi, code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "settings" => ta.notice_settings,
        "created" => ta.notice_created,
        "disabled" => ta.notice_disabled,
        "enabled" => ta.notice_enabled,
        "promoted" => ta.notice_promoted,
        "demoted" => ta.notice_demoted,
        "quota" => ta.notice_quota,
        "logged_out" => ta.notice_logged_out,
        "password" => ta.notice_password,
        "deleted" => ta.notice_deleted,
        "totp_reset" => ta.notice_totp_reset,
        _ => return None,
    })
}

/// A role as the pages name it.
fn role_name(ta: &'static AdminUi, role: Role) -> &'static str {
    match role {
        Role::Admin => ta.role_admin,
        Role::User => ta.role_user,
    }
}

/// An account state as the pages name it.
fn state_name(ta: &'static AdminUi, state: UserState) -> &'static str {
    match state {
        UserState::Active => ta.state_active,
        UserState::Disabled => ta.state_disabled,
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// `2GiB`, `500MiB` or bytes, as bytes; else a field error in the page's language (the hint
/// is the admin pages' own, so it comes from their table rather than from `messages.rs`).
fn parse_size(ta: &'static AdminUi, field: &'static str, raw: &str) -> Result<u64, AppError> {
    parse_bytes(raw)
        .filter(|b| i64::try_from(*b).is_ok())
        .ok_or_else(|| AppError::Validation(FieldErrors::single(field, ta.size_hint)))
}

/// A size as a form value [`parse_size`] reads back exactly: `2GiB`, `1536KiB`, `1000`.
fn size_input(bytes: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// [`human_size`] of a `u64` (disk sizes, settings).
fn human_u64(lang: Lang, bytes: u64) -> String {
    human_size(lang, i64::try_from(bytes).unwrap_or(i64::MAX))
}

/// Adds the field errors of `e` to `errors`; any other error is returned.
fn gather(errors: &mut FieldErrors, e: AppError) -> Result<(), AppError> {
    match e {
        AppError::Validation(found) => {
            for (field, messages) in found.0 {
                messages.into_iter().for_each(|m| errors.add(field, m));
            }
            Ok(())
        }
        other => Err(other),
    }
}
