//! Password hashing with bcrypt, through its non-truncating API: bcrypt only reads 72 bytes
//! of key (the password plus a NUL terminator), and a longer password is refused rather than
//! silently cut (see `users::validate`).

use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{AppError, FieldErrors};

/// The longest password bcrypt uses whole: its 72-byte key holds the password and a NUL.
pub const MAX_PASSWORD_BYTES: usize = 71;

/// Hashes `password` at `cost`. Blocking (tens of ms to a second): call it off the executor.
pub fn hash(password: &str, cost: u32) -> Result<String, AppError> {
    bcrypt::non_truncating_hash(password, cost).map_err(|e| match e {
        bcrypt::BcryptError::Truncation(_) => AppError::Validation(FieldErrors::single(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        )),
        other => AppError::internal(other),
    })
}

/// True when `password` matches `hash`. A malformed hash or an over-long password is simply
/// "no match". Blocking, like [`hash`].
pub fn verify(password: &str, hash: &str) -> bool {
    bcrypt::non_truncating_verify(password, hash).unwrap_or(false)
}

/// The cost a bcrypt hash was made with (`$2b$12$…` → 12); `None` when it is not one.
pub fn cost_of(hash: &str) -> Option<u32> {
    let mut parts = hash.split('$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(version), Some(cost)) if version.starts_with('2') && cost.len() == 2 => {
            cost.parse().ok()
        }
        _ => None,
    }
}

/// How long a password check waits for a free hasher before answering 503 `busy`.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// The bcrypt work of logins, registrations and password changes, at most `slots` at a time,
/// on the blocking pool. bcrypt keeps a core busy for its whole run (hundreds of ms at cost
/// 12): with one slot fewer than the cores, a login storm leaves a core free to serve previews
/// and pages. Work that waits more than [`QUEUE_WAIT`] for a slot is refused as busy.
pub struct Hashers {
    slots: Semaphore,
    size: usize,
    wait: Duration,
}

impl Hashers {
    /// `slots` hashes at once; `None`: one less than the cores, at least one.
    pub fn new(slots: Option<usize>) -> Self {
        Hashers::with_wait(slots, QUEUE_WAIT)
    }

    /// Like [`Hashers::new`], refusing work that waited `wait` for a slot.
    pub fn with_wait(slots: Option<usize>, wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let size = slots.unwrap_or(cores.saturating_sub(1)).max(1);
        Hashers { slots: Semaphore::new(size), size, wait }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs `work` once a slot is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(closed)) => return Err(AppError::internal(closed)),
            Err(_) => return Err(AppError::Busy),
        };
        let result = crate::blocking::run(work).await;
        drop(permit);
        result
    }
}

/// A hash of a random password, verified against when the login names no account, so that an
/// unknown user and a wrong password cost the same time.
pub fn dummy_hash(cost: u32) -> Result<String, AppError> {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
    let password: String = random.iter().map(|b| format!("{b:02x}")).collect();
    hash(&password, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery", 4).expect("hash");
        assert!(h.starts_with("$2"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
    }

    #[test]
    fn passwords_over_72_bytes_are_refused_not_truncated() {
        let long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(matches!(hash(&long, 4), Err(AppError::Validation(_))));
        let h = hash(&"a".repeat(MAX_PASSWORD_BYTES), 4).expect("at the limit is fine");
        assert!(!verify(&long, &h), "the byte past the limit must not be ignored");
    }

    #[test]
    fn the_cost_is_read_from_the_hash() {
        assert_eq!(cost_of(&hash("correct horse battery", 5).expect("hash")), Some(5));
        assert_eq!(cost_of("$2b$12$abcdefghijklmnopqrstuv"), Some(12));
        for bad in ["", "$", "$1$12$x", "plain", "$2b$1$x"] {
            assert_eq!(cost_of(bad), None, "{bad}");
        }
    }

    #[actix_web::test]
    async fn hashers_run_work_and_report_their_size() {
        let h = Hashers::new(Some(2));
        assert_eq!(h.size(), 2);
        assert_eq!(h.run(|| 40 + 2).await.expect("run"), 42);
        assert_eq!(Hashers::new(Some(0)).size(), 1);
    }

    #[actix_web::test]
    async fn work_that_cannot_get_a_slot_in_time_is_refused_as_busy() {
        let h = std::sync::Arc::new(Hashers::with_wait(Some(1), Duration::from_millis(50)));
        let busy = h.clone();
        let long = tokio::spawn(async move {
            busy.run(|| std::thread::sleep(Duration::from_millis(400))).await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(matches!(h.run(|| ()).await, Err(AppError::Busy)));
        long.await.expect("join").expect("the first one ran");
        h.run(|| ()).await.expect("a free slot again");
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify("anything", "not-a-hash"));
    }
}
