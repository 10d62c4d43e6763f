//! CRC-32s of the blobs in an archive. Uploads store one per blob (`blobs.crc32`); a blob
//! stored before that has none, and the first archive that needs it reads the blob once and
//! stores it. Two requests doing that at once compute the same value, and only an empty
//! column is written (`blobs::set_crc32`), so the race is harmless.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};

use crate::db::DbConn;
use crate::db::models::blobs;
use crate::files::zip::layout::Item;
use crate::storage::Storage;

/// Keys asked for in one query (one bound parameter each).
const KEYS_PER_QUERY: usize = 500;

/// Fills in every stored CRC-32 of `items`' blobs; returns the keys that have none yet.
pub fn fill_known(conn: &mut DbConn, items: &mut [Item]) -> diesel::QueryResult<Vec<String>> {
    let keys: Vec<&str> = items
        .iter()
        .filter_map(|i| i.blob.as_deref())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut known = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        for (key, crc) in blobs::crc32s(conn, chunk)? {
            // Stored from a u32, so it always fits; a value that does not is recomputed.
            if let Ok(crc) = u32::try_from(crc) {
                known.insert(key, crc);
            }
        }
    }
    let missing: Vec<String> =
        keys.iter().filter(|k| !known.contains_key(**k)).map(|k| (*k).to_owned()).collect();
    apply(items, &known);
    Ok(missing)
}

/// Sets each item's CRC-32 from `crcs` (by blob key).
pub fn apply(items: &mut [Item], crcs: &HashMap<String, u32>) {
    for item in items {
        if let Some(crc) = item.blob.as_deref().and_then(|k| crcs.get(k)) {
            item.crc32 = *crc;
        }
    }
}

/// Reads blob `key` through once for its CRC-32 (blocking; 256 KiB at a time).
pub fn compute(storage: &dyn Storage, key: &str) -> io::Result<u32> {
    let mut blob = storage.open(key)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0; 256 * 1024];
    loop {
        let n = blob.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&buf[..n]);
    }
}
