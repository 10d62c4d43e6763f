//! How much one address may send through upload links: `HOMEDISK_LINK_UPLOADS_PER_HOUR`
//! requests and `HOMEDISK_LINK_UPLOAD_BYTES_PER_HOUR` bytes an hour, across every link,
//! refilling steadily (the GCRA of the login limits, [`Bucket`]: in memory on one node, in the
//! database for nodes sharing PostgreSQL). A link's own caps bound what it takes in all; this
//! bounds how fast one stranger fills its owner's storage, or several links of it.
//!
//! Bytes are counted by the request's declared length before its body is read, so a refused
//! upload costs nothing to receive; an upload that declares none is refused (every browser and
//! `curl -F` declare it).

use std::num::NonZeroU32;
use std::time::Duration;

use crate::auth::rate_limit::Bucket;
use crate::db::DbPool;
use crate::error::AppError;

const HOUR: Duration = Duration::from_secs(3600);

/// Bytes are counted in KiB, so an hour's allowance fits the limiter's 32-bit units.
const UNIT: u64 = 1024;

pub struct UploadLimiter {
    requests: Bucket,
    kib: Bucket,
}

impl UploadLimiter {
    /// `requests` and `bytes` an hour per address; counted in `shared` when given.
    pub fn new(requests: u32, bytes: u64, shared: Option<DbPool>) -> Self {
        let requests = NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN);
        let kib = u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX);
        let kib = NonZeroU32::new(kib).unwrap_or(NonZeroU32::MIN);
        UploadLimiter {
            requests: Bucket::new("link-uploads", requests, HOUR, shared.clone()),
            kib: Bucket::new("link-upload-kib", kib, HOUR, shared),
        }
    }

    /// Counts one upload of `length` bytes (the request's declared length) from `ip`, or says
    /// how long to wait.
    pub async fn check(&self, ip: &str, length: Option<u64>) -> Result<(), AppError> {
        let Some(length) = length else {
            return Err(AppError::BadRequest(
                "an upload through a link must declare its size: send it with a Content-Length \
                 header"
                    .into(),
            ));
        };
        let wait = match self.requests.take(ip, 1).await? {
            Some(wait) => Some(wait),
            None => self.kib.take(ip, length.div_ceil(UNIT)).await?,
        };
        match wait {
            None => Ok(()),
            Some(wait) => Err(AppError::UploadsLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn an_address_is_limited_by_count_and_by_bytes_and_others_are_not() {
        let by_count = UploadLimiter::new(2, 1 << 30, None);
        for _ in 0..2 {
            by_count.check("192.0.2.1", Some(10)).await.expect("within the count");
        }
        let err = by_count.check("192.0.2.1", Some(10)).await.expect_err("a third");
        assert!(
            matches!(err, AppError::UploadsLimited { retry_after_secs } if retry_after_secs > 60)
        );
        by_count.check("192.0.2.2", Some(10)).await.expect("another address");

        let by_bytes = UploadLimiter::new(100, 100 << 10, None);
        by_bytes.check("192.0.2.1", Some(60 << 10)).await.expect("60 of 100 KiB");
        assert!(by_bytes.check("192.0.2.1", Some(60 << 10)).await.is_err(), "120 of 100 KiB");
        by_bytes.check("192.0.2.1", Some(30 << 10)).await.expect("what is left");
        let none = by_bytes.check("192.0.2.3", None).await.expect_err("no declared size");
        assert!(matches!(none, AppError::BadRequest(_)));
    }
}
