//! ZIP archives of folders and selections, streamed by homedisk itself without temporary
//! files.
//!
//! - [`collect`]: which live items of the caller go in, under which safe, unique names, within
//!   the configured limits;
//! - [`crc`]: the CRC-32 of every blob (stored at upload; computed once for older blobs);
//! - [`layout`]: the archive's bytes planned up front (stored entries, no data descriptors,
//!   Zip64 only where needed), so its length is known and any range can be produced;
//! - [`reader`]: any byte range of a plan, from headers and blob bytes, a chunk at a time;
//! - [`links`]: the GET-able download links of selections, bound to the session.
//!
//! No actix here: `http::zip` sends an [`Archive`] as a response.

pub mod collect;
pub mod crc;
pub mod layout;
pub mod links;
mod names;
pub mod reader;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

pub use collect::{Limits, Source};
pub use layout::Plan;

use crate::blocking;
use crate::db::ids::UserId;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::storage::Storage;

/// An archive ready to stream.
pub struct Archive {
    /// Shared with the body stream of the response.
    pub plan: Arc<Plan>,
    /// The file name offered (`Photos.zip`).
    pub name: String,
    /// A digest of everything that decides the archive's bytes: entry ids, names, blobs,
    /// sizes and times (the entity tag is derived from it).
    pub digest: String,
}

/// What preparing an archive needs of the application.
pub struct Context<'a> {
    pub db: &'a DbPool,
    pub storage: Arc<dyn Storage>,
    pub limits: Limits,
}

/// Plans the archive of `source` for `owner`. With `crcs` false the CRC-32s are left at zero:
/// enough to know the length (they take no room), not to stream it.
pub async fn prepare(
    ctx: &Context<'_>,
    owner: UserId,
    source: Source,
    crcs: bool,
    now: NaiveDateTime,
) -> Result<Archive, AppError> {
    let limits = ctx.limits;
    let (mut collected, missing) = db::run(ctx.db, move |conn| {
        let mut collected = collect::collect(conn, &owner, &source, limits, now)?;
        let missing = if crcs { crc::fill_known(conn, &mut collected.items)? } else { vec![] };
        Ok((collected, missing))
    })
    .await?;
    if !missing.is_empty() {
        let computed = compute_crcs(ctx, missing).await?;
        crc::apply(&mut collected.items, &computed);
    }
    let collect::Collected { items, name, digest } = collected;
    // Planning 100 000 entries takes a few milliseconds: not worth the blocking pool.
    Ok(Archive { plan: Arc::new(Plan::new(items)), name, digest })
}

/// Reads the blobs `keys` (stored before CRCs were kept) for their CRC-32s, off the database
/// connection, then stores them for every later archive.
async fn compute_crcs(
    ctx: &Context<'_>,
    keys: Vec<String>,
) -> Result<HashMap<String, u32>, AppError> {
    let storage = ctx.storage.clone();
    let computed = blocking::run(move || {
        keys.into_iter()
            .map(|key| crc::compute(storage.as_ref(), &key).map(|crc| (key, crc)))
            .collect::<std::io::Result<HashMap<String, u32>>>()
    })
    .await?
    .map_err(crate::storage::to_app_error)?;
    let stored = computed.clone();
    db::run(ctx.db, move |conn| {
        db::write(conn, |conn| -> Result<(), AppError> {
            for (key, crc) in &stored {
                crate::db::models::blobs::set_crc32(conn, key, *crc)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(computed)
}
