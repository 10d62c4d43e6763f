//! User accounts: validation, registration, login and password change; admin actions.

pub mod accounts;
pub mod admin;
pub mod mfa;
pub mod totp;
pub mod validate;

pub use accounts::*;

use std::sync::Arc;

use crate::auth::password::Hashers;
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::Keys;
use crate::config::Config;
use crate::db::DbPool;

/// What account operations use of the application, and nothing more: shared handles, cheap
/// to clone into the closures that run on the blocking pool.
#[derive(Clone)]
pub struct Accounts {
    pub db: DbPool,
    pub keys: Arc<Keys>,
    pub config: Arc<Config>,
    pub hashers: Arc<Hashers>,
    pub limiter: Arc<LoginLimiter>,
    /// A hash of a random password at the current cost (see `accounts::login`).
    pub dummy_hash: Arc<str>,
}
