//! Running blocking work (bcrypt, file I/O, decoding) on the blocking thread pool, never on
//! the async executor. `db::run` builds on this for database work.

use crate::error::AppError;

/// Starts `f` on actix's blocking pool at once (not when first polled) and returns a
/// future of its result.
pub fn run<T, F>(f: F) -> impl Future<Output = Result<T, AppError>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // actix's worker runtimes are tokio runtimes: this is the pool `actix_web::web::block` uses.
    let handle = tokio::task::spawn_blocking(f);
    async move { handle.await.map_err(AppError::internal) }
}
