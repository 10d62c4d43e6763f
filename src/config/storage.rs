//! `HOMEDISK_STORAGE_URL` and the standard `AWS_*` variables of an S3 store: read through the
//! same lookup as the rest of the config, so tests point an app at a bucket without setting
//! process-wide variables (object_store's `AmazonS3Builder::from_env` reads the same names).

use secrecy::SecretString;

use super::{ConfigError, bad, boolean};

/// Where blobs live (`HOMEDISK_STORAGE_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// `{data_dir}/blobs`, the default.
    Local,
    /// `s3://BUCKET[/PREFIX]`: objects under `PREFIX/blobs/` (the prefix without slashes at
    /// either end, possibly empty).
    S3 { bucket: String, prefix: String },
}

impl StorageUrl {
    /// `s3://BUCKET[/PREFIX]`; `None` for anything else.
    pub fn parse_s3(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket naming rules (3-63 of a-z 0-9 . -, starting and ending alphanumeric),
        // which also keep the name safe to put in a URL path.
        let edge =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && edge(bucket.chars().next())
            && edge(bucket.chars().last());
        let prefix = prefix.trim_end_matches('/');
        // Segments that object stores and path normalisers treat specially are refused, so the
        // prefix names one place everywhere.
        let prefix_ok = prefix.is_empty()
            || prefix.split('/').all(|s| {
                !s.is_empty() && s != "." && s != ".." && s.bytes().all(|b| b.is_ascii_graphic())
            });
        (bucket_ok && prefix_ok)
            .then(|| StorageUrl::S3 { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
    }
}

/// The standard `AWS_*` settings of an S3 store (read only when `HOMEDISK_STORAGE_URL` is
/// `s3://…`, through the same lookup as the rest, so tests never touch the process environment).
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    /// Never logged (`SecretString` prints as redacted).
    pub secret_access_key: Option<SecretString>,
    pub allow_http: bool,
    /// `HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES`: downloads of files at least this large are
    /// redirected to a presigned URL of the store (`None`: never, the default).
    pub presigned_min_bytes: Option<u64>,
    /// `HOMEDISK_S3_PRESIGNED_SECONDS`: how long such a URL works (at most 5 minutes).
    pub presigned_ttl: std::time::Duration,
}

/// The storage URL and the S3 settings (checked only when the URL is `s3://`, so local storage
/// ignores stray `AWS_*` variables).
pub(super) fn read(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(StorageUrl, S3Settings), ConfigError> {
    let storage_url = match get("HOMEDISK_STORAGE_URL") {
        None => StorageUrl::Local,
        Some(v) => StorageUrl::parse_s3(&v).ok_or_else(|| {
            let why = "leave it unset to keep files in the data directory";
            bad("HOMEDISK_STORAGE_URL", format!("`{v}` is not s3://BUCKET[/PREFIX]; {why}"))
        })?,
    };
    let s3 = S3Settings {
        endpoint: get("AWS_ENDPOINT_URL"),
        region: get("AWS_REGION"),
        access_key_id: get("AWS_ACCESS_KEY_ID"),
        secret_access_key: get("AWS_SECRET_ACCESS_KEY").map(SecretString::from),
        allow_http: boolean(get, "AWS_ALLOW_HTTP", false)?,
        presigned_min_bytes: match get("HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES").as_deref() {
            None | Some("off") => None,
            Some(v) => Some(super::parse_bytes(v).ok_or_else(|| {
                bad(
                    "HOMEDISK_S3_PRESIGNED_DOWNLOAD_MIN_BYTES",
                    format!("`{v}` is neither `off` nor a size such as 64MiB"),
                )
            })?),
        },
        presigned_ttl: std::time::Duration::from_secs(super::number(
            get,
            "HOMEDISK_S3_PRESIGNED_SECONDS",
            60,
            1..=300,
        )?),
    };
    if matches!(storage_url, StorageUrl::S3 { .. }) {
        check_s3(&s3)?;
    }
    Ok((storage_url, s3))
}

/// Settings that would fail on every request are refused at start-up instead.
fn check_s3(s3: &S3Settings) -> Result<(), ConfigError> {
    if let Some(endpoint) = &s3.endpoint {
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(bad("AWS_ENDPOINT_URL", format!("`{endpoint}` is not an http(s):// URL")));
        }
        if endpoint.starts_with("http://") && !s3.allow_http {
            return Err(bad(
                "AWS_ALLOW_HTTP",
                "AWS_ENDPOINT_URL is http:// (unencrypted); set AWS_ALLOW_HTTP=true to allow it",
            ));
        }
    }
    // Without a key pair the client asks the machine (the AWS instance metadata service), which
    // only AWS itself has.
    match (&s3.access_key_id, &s3.secret_access_key) {
        (Some(_), None) => Err(bad("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID needs its secret")),
        (None, Some(_)) => Err(bad("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY needs its key id")),
        (None, None) if s3.endpoint.is_some() => Err(bad(
            "AWS_ACCESS_KEY_ID",
            "an S3 store other than AWS needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::with;

    #[test]
    fn storage_urls_choose_the_store() {
        assert_eq!(with(&[]).expect("default").storage_url, StorageUrl::Local);
        let s3 = |url: &str| with(&[("HOMEDISK_STORAGE_URL", url)]).expect(url).storage_url;
        let at = |bucket: &str, prefix: &str| StorageUrl::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        };
        assert_eq!(s3("s3://homedisk"), at("homedisk", ""));
        assert_eq!(s3("s3://homedisk/"), at("homedisk", ""));
        assert_eq!(s3("s3://my.bucket-1/a/b/"), at("my.bucket-1", "a/b"));
    }

    #[test]
    fn s3_settings_that_cannot_work_are_refused_by_name() {
        let s3 = [
            ("HOMEDISK_STORAGE_URL", "s3://homedisk"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:3900"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "GK123"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ];
        assert!(with(&s3).is_ok());
        let without = |name: &str| -> Vec<(&str, &str)> {
            s3.iter().copied().filter(|(n, _)| *n != name).collect()
        };
        for (missing, named) in [
            ("AWS_ALLOW_HTTP", "AWS_ALLOW_HTTP"),
            ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
            ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
        ] {
            assert_eq!(with(&without(missing)).expect_err(missing).variable, named);
        }
        let mut bad_url = without("AWS_ENDPOINT_URL");
        bad_url.push(("AWS_ENDPOINT_URL", "127.0.0.1:3900"));
        assert_eq!(with(&bad_url).expect_err("no scheme").variable, "AWS_ENDPOINT_URL");
        // AWS itself may use the machine's role instead of keys; local storage ignores AWS_*.
        assert!(with(&[("HOMEDISK_STORAGE_URL", "s3://homedisk")]).is_ok());
        assert!(with(&[("AWS_ENDPOINT_URL", "nonsense")]).is_ok());
    }

    #[test]
    fn the_s3_secret_is_not_in_debug_output() {
        let c = with(&[("AWS_SECRET_ACCESS_KEY", "very-secret-value")]).expect("valid");
        assert!(!format!("{c:?}").contains("very-secret-value"));
    }
}
