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

mod actions;
mod audit;
mod dashboard;
mod user;
mod users;

use actix_web::middleware::from_fn;
use actix_web::web;
use serde::Deserialize;

use crate::config::parse_bytes;
use crate::error::{AppError, FieldErrors};
use crate::web::{admins_only, human_bytes};

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
            .route("/users/{id}/delete", web::post().to(actions::delete_user))
            .route("/audit", web::get().to(audit::audit_log)),
    );
}

/// The message a `?notice=` code stands for (codes, not text, so the URL cannot inject words).
fn notice_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "settings" => "Settings saved. They apply from now on.",
        "created" => "Account created.",
        "disabled" => "Account disabled. Its sessions stopped working.",
        "enabled" => "Account enabled.",
        "promoted" => "Now an administrator. The admin pages open at their next login.",
        "demoted" => "No longer an administrator.",
        "quota" => "Quota saved.",
        "logged_out" => "Every session of this account was ended.",
        "password" => "Password reset. Every session of this account was ended.",
        "deleted" => "Account deleted, with all its files.",
        _ => return None,
    })
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

const SIZE_HINT: &str = "must be a size such as 2GiB, 500MiB or a number of bytes";

/// `2GiB`, `500MiB` or bytes, as bytes.
fn parse_size(field: &'static str, raw: &str) -> Result<u64, AppError> {
    parse_bytes(raw)
        .filter(|b| i64::try_from(*b).is_ok())
        .ok_or_else(|| AppError::Validation(FieldErrors::single(field, SIZE_HINT)))
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

fn human_u64(bytes: u64) -> String {
    human_bytes(i64::try_from(bytes).unwrap_or(i64::MAX))
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
