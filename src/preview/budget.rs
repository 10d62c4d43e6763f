//! The memory all image decodes together may use. Each decode estimates, from the image's
//! header alone, the most memory its whole pipeline needs (decoder buffers, conversion,
//! resizing, re-encoding) and reserves that much here *before* allocating anything: an image
//! whose estimate is larger than the whole budget is refused (422), and a decode that does not
//! fit beside the ones running waits for them. So a handful of hostile uploads (a 1.5 MB
//! progressive JPEG declaring 16384×16384 wants 1.6 GiB of coefficients) cannot exhaust the
//! machine's memory, whatever the number of cores.

use std::sync::{Condvar, Mutex};

use crate::error::AppError;

pub struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Memory reserved for one decode, given back when dropped.
pub struct Reservation<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(self.bytes);
        self.budget.freed.notify_all();
    }
}

impl Budget {
    pub fn new(total: u64) -> Self {
        Budget { total, used: Mutex::new(0), freed: Condvar::new() }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Reserves `bytes` for a decode of a `w`×`h` image, waiting (this is a blocking-pool
    /// thread) while other decodes hold too much; refuses at once when `bytes` exceeds the
    /// whole budget.
    pub fn reserve(&self, bytes: u64, w: u32, h: u32) -> Result<Reservation<'_>, AppError> {
        if bytes > self.total {
            return Err(AppError::ImageUnreadable(format!(
                "this image is {w}×{h} pixels and would need about {} MiB of memory to preview; \
                 previews are limited to {} MiB (HOMEDISK_IMAGE_MEMORY_BYTES)",
                bytes.div_ceil(1 << 20),
                self.total >> 20
            )));
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used + bytes > self.total {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += bytes;
        Ok(Reservation { budget: self, bytes })
    }

    /// Memory reserved right now.
    pub fn in_use(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn more_than_the_whole_budget_is_refused_at_once() {
        let b = Budget::new(100);
        assert!(matches!(b.reserve(101, 1, 1), Err(AppError::ImageUnreadable(_))));
        let r = b.reserve(100, 1, 1).expect("fits");
        assert_eq!(b.in_use(), 100);
        drop(r);
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn a_decode_waits_until_the_others_give_memory_back() {
        let b = Arc::new(Budget::new(100));
        let first = b.reserve(60, 1, 1).expect("fits");
        let b2 = b.clone();
        let waiter = std::thread::spawn(move || {
            let _r = b2.reserve(60, 1, 1).expect("fits later");
            b2.in_use()
        });
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(b.in_use(), 60, "the second reservation must wait");
        drop(first);
        assert_eq!(waiter.join().expect("join"), 60);
        assert_eq!(b.in_use(), 0);
    }
}
