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

use std::io::{Read, Seek};

use crate::blocking;
use crate::db::ids::UserId;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::files::location::{self, Plan as LocationPlan};
use crate::storage::Storage;
use layout::Item;

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
    prepare_with(ctx, owner, source, (crcs, false), now).await
}

/// [`prepare`], where `hide_location` takes where photos were taken out of them (a share
/// link's option, `files::location`): pictures and videos whose location cannot be removed
/// are left out of the archive.
pub async fn prepare_with(
    ctx: &Context<'_>,
    owner: UserId,
    source: Source,
    (crcs, hide_location): (bool, bool),
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
    let collect::Collected { mut items, name, mut digest } = collected;
    if hide_location {
        items = without_location(ctx, items).await?;
        digest.push_str(":no-location");
    }
    // Planning 100 000 entries takes a few milliseconds: not worth the blocking pool.
    Ok(Archive { plan: Arc::new(Plan::new(items)), name, digest })
}

/// `items` with their locations taken out (patches and the CRC-32 they give), those whose
/// location cannot be taken out left out. Reads each picture's blob as far as needed.
async fn without_location(ctx: &Context<'_>, items: Vec<Item>) -> Result<Vec<Item>, AppError> {
    let storage = ctx.storage.clone();
    blocking::run(move || -> std::io::Result<Vec<Item>> {
        let mut kept = Vec::with_capacity(items.len());
        for mut item in items {
            let (Some(key), Some(mime)) = (item.blob.clone(), item.mime.clone()) else {
                kept.push(item);
                continue;
            };
            let mut blob = storage.open(&key)?;
            let mut head = std::io::BufReader::with_capacity(64 * 1024, &mut blob);
            match location::plan(&mime, &mut head, item.size)? {
                LocationPlan::Unchanged => kept.push(item),
                LocationPlan::Unknown => {}
                LocationPlan::Patched(patches) => {
                    item.crc32 = location::crc_after(item.crc32, item.size, &patches, |at, n| {
                        blob.seek(std::io::SeekFrom::Start(at))?;
                        let mut original = vec![0; n];
                        blob.read_exact(&mut original)?;
                        Ok(original)
                    })?;
                    item.patches = Arc::new(patches);
                    kept.push(item);
                }
            }
        }
        Ok(kept)
    })
    .await?
    .map_err(crate::storage::to_app_error)
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
