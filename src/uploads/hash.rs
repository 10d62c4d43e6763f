//! A SHA-256 that can stop and resume on another request, or after a restart: the midstate
//! after every whole 64-byte block is eight words the database keeps (64 hex digits); the
//! bytes past the last whole block (fewer than 64) are read back from the upload's file. So
//! no request ever rereads what came before. `sha2` exposes the compression function; the
//! padding is FIPS 180-4 §5.1.1.

#[allow(deprecated)]
use sha2::digest::generic_array::GenericArray;
use sha2::digest::typenum::U64;

const INITIAL: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A SHA-256 in progress over `hashed` bytes (a multiple of 64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Midstate {
    state: [u32; 8],
    pub hashed: u64,
}

impl Default for Midstate {
    fn default() -> Self {
        Midstate { state: INITIAL, hashed: 0 }
    }
}

impl Midstate {
    /// The stored form: 64 hex digits.
    pub fn to_hex(&self) -> String {
        self.state.iter().map(|w| format!("{w:08x}")).collect()
    }

    /// The state stored as `hex` after `hashed` bytes; `None` if it is not one.
    pub fn from_hex(hex: &str, hashed: u64) -> Option<Midstate> {
        if hex.len() != 64 || !hashed.is_multiple_of(64) {
            return None;
        }
        let mut state = [0u32; 8];
        for (i, word) in state.iter_mut().enumerate() {
            *word = u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok()?;
        }
        Some(Midstate { state, hashed })
    }

    /// Hashes the whole blocks of `tail ++ data` and leaves what is left over in `tail`
    /// (fewer than 64 bytes). `data` is hashed in place, not gathered first.
    pub fn update(&mut self, tail: &mut Vec<u8>, mut data: &[u8]) {
        if !tail.is_empty() {
            let take = (64 - tail.len()).min(data.len());
            tail.extend_from_slice(&data[..take]);
            data = &data[take..];
            if tail.len() < 64 {
                return;
            }
            self.compress(tail);
            tail.clear();
        }
        let whole = data.len() / 64 * 64;
        self.compress(&data[..whole]);
        tail.extend_from_slice(&data[whole..]);
    }

    /// Runs the compression function over `blocks` (a multiple of 64 bytes), 64 blocks at a
    /// time through a buffer on the stack.
    // sha2 0.10's compression function takes generic-array 0.14 blocks, which that crate now
    // marks deprecated in favour of 1.x; sha2 0.11 will move with it.
    #[allow(deprecated)]
    fn compress(&mut self, blocks: &[u8]) {
        let mut batch: [GenericArray<u8, U64>; 64] =
            std::array::from_fn(|_| GenericArray::default());
        for group in blocks.chunks(64 * 64) {
            let n = group.len() / 64;
            for (slot, block) in batch.iter_mut().zip(group.chunks_exact(64)) {
                slot.copy_from_slice(block);
            }
            sha2::compress256(&mut self.state, &batch[..n]);
        }
        self.hashed += blocks.len() as u64;
    }

    /// The digest (hex) of everything: the hashed blocks and `tail`.
    pub fn finish(mut self, tail: &[u8]) -> String {
        let bits = (self.hashed + tail.len() as u64) * 8;
        let mut last = tail.to_vec();
        last.push(0x80);
        while last.len() % 64 != 56 {
            last.push(0);
        }
        last.extend_from_slice(&bits.to_be_bytes());
        let mut rest = Vec::new();
        self.update(&mut rest, &last);
        self.state.iter().map(|w| format!("{w:08x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn any_split_and_a_stored_midstate_give_the_one_digest() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for cuts in [vec![], vec![1], vec![63, 64, 65], vec![100, 5000, 9999], vec![4096]] {
            let (mut m, mut tail, mut at) = (Midstate::default(), Vec::new(), 0);
            for cut in cuts.iter().copied().chain([data.len()]) {
                m.update(&mut tail, &data[at..cut]);
                // Stored and read back, as between two requests.
                m = Midstate::from_hex(&m.to_hex(), m.hashed).expect("reads back");
                assert_eq!(m.hashed + tail.len() as u64, cut as u64);
                at = cut;
            }
            assert_eq!(m.finish(&tail), hex(&Sha256::digest(&data)), "{cuts:?}");
        }
        assert_eq!(Midstate::default().finish(&[]), hex(&Sha256::digest(b"")));
        assert!(Midstate::from_hex("zz", 0).is_none());
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
