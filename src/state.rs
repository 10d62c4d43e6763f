//! What every handler can reach, built once at start-up and shared as `web::Data<AppState>`.

use std::sync::Arc;

use crate::auth::password::Hashers;
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::Keys;
use crate::config::Config;
use crate::db::DbPool;
use crate::storage::Storage;
use crate::users::Accounts;

pub struct AppState {
    pub config: Arc<Config>,
    pub db: DbPool,
    pub keys: Arc<Keys>,
    pub storage: std::sync::Arc<dyn Storage>,
    pub thumbs: std::sync::Arc<crate::preview::Thumbnailer>,
    /// Tokens already verified on `/preview` (see `auth::verified`).
    pub verified_tokens: crate::auth::verified::VerifiedTokens,
    /// The preview route's recent database answers (`auth::grants`).
    pub grants: Arc<crate::auth::grants::GrantCache>,
    pub login_limiter: Arc<LoginLimiter>,
    /// What one address may send through upload links (`shares::upload_limit`).
    pub upload_limiter: Arc<crate::shares::upload_limit::UploadLimiter>,
    /// Where bcrypt runs, fewer at a time than the cores (see `auth::password::Hashers`).
    pub hashers: Arc<Hashers>,
    /// A bcrypt hash of a random password, at the configured cost: verified against when a
    /// login names no account, so that case costs the same time as a wrong password.
    pub dummy_hash: Arc<str>,
}

impl AppState {
    /// What account operations (`users::`) use: shared handles, cheap to clone.
    pub fn accounts(&self) -> Accounts {
        Accounts {
            db: self.db.clone(),
            keys: self.keys.clone(),
            config: self.config.clone(),
            hashers: self.hashers.clone(),
            limiter: self.login_limiter.clone(),
            dummy_hash: self.dummy_hash.clone(),
        }
    }
}
