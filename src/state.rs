//! What every handler can reach, built once at start-up and shared as `web::Data<AppState>`.

use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::Keys;
use crate::config::Config;
use crate::db::DbPool;
use crate::storage::Storage;

pub struct AppState {
    pub config: Config,
    pub db: DbPool,
    pub keys: Keys,
    pub storage: std::sync::Arc<dyn Storage>,
    pub thumbs: std::sync::Arc<crate::preview::Thumbnailer>,
    /// Tokens already verified on `/preview` (see `auth::verified`).
    pub verified_tokens: crate::auth::verified::VerifiedTokens,
    pub login_limiter: LoginLimiter,
    /// Where bcrypt runs, fewer at a time than the cores (see `auth::password::Hashers`).
    pub hashers: crate::auth::password::Hashers,
    /// A bcrypt hash of a random password, at the configured cost: verified against when a
    /// login names no account, so that case costs the same time as a wrong password.
    pub dummy_hash: String,
}
