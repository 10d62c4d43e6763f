//! Running blocking work (bcrypt, file I/O, decoding) on the blocking thread pool, never on
//! the async executor. `db::run` builds on this for database work.

use crate::error::AppError;

/// Runs `f` on actix's blocking pool and waits for it.
pub async fn run<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Ok(actix_web::web::block(f).await?)
}
