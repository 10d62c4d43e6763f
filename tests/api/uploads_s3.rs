//! Resumable uploads on S3 with two nodes on one database and one bucket: the bytes go up as
//! parts of an S3 multipart upload, so each PATCH may land on either node, a refused chunk
//! keeps nothing, and once the file is made (or the upload cancelled) nothing is left under
//! the bucket's `uploads/`.

use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::app_passwords::bearer;
use crate::files::content_req;
use crate::helpers::spawn_with;
use crate::storage::{new_bucket, noise, s3_endpoint, s3_overrides};
use crate::storage_s3::same_database;
use crate::uploads::{create, expire, location, offset, patch, tus};

/// Two nodes sharing a database and a bucket, each with its own data directory (a macro:
/// the apps' service types cannot be named).
macro_rules! two_nodes {
    ($endpoint:expr) => {{
        let bucket = new_bucket($endpoint);
        let overrides = s3_overrides($endpoint, &bucket);
        let first: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = spawn_with(&first).await;
        let url = same_database(&a.state);
        let mut second = first.clone();
        second.push(("HOMEDISK_DATABASE_URL", url.as_str()));
        let b = spawn_with(&second).await;
        (a, b)
    }};
}

/// Ids of uploads with objects left under `uploads/` in the bucket.
async fn left_in_bucket(state: &homedisk::state::AppState) -> Vec<String> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || {
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
        storage.parts().expect("S3 keeps parts").stale_uploads(later).expect("list")
    })
    .await
    .expect("no panic")
}

#[actix_web::test]
async fn each_chunk_can_land_on_either_node_and_nothing_stays_in_the_bucket() {
    let Some(endpoint) = s3_endpoint() else { return };
    let (a, b) = two_nodes!(&endpoint);
    let alice = a.register("alice").await;
    let auth = bearer(&alice.token);
    // 8 MiB parts: the chunks cross part boundaries at odd places, and the last is short.
    let bytes = noise((20 << 20) + 1234, 11);
    let url = location(&a.send(create(&auth, bytes.len(), "video.mp4")).await);
    let cuts = [0, 3 << 20, (3 << 20) + 7, 10 << 20, (17 << 20) + 99, bytes.len()];
    for (i, w) in cuts.windows(2).enumerate() {
        let node = if i % 2 == 0 { &a } else { &b };
        let r = node.send(patch(&auth, &url, w[0], &bytes[w[0]..w[1]])).await;
        assert_eq!(r.status, 204, "chunk {i}: {}", r.text());
        assert_eq!(offset(&r), Some(w[1] as u64), "chunk {i}");
        if w[1] < bytes.len() {
            // Where it stands, as the other node sees it.
            let other = if i % 2 == 0 { &b } else { &a };
            let head = other.send(tus(Method::HEAD, &url, &auth)).await;
            assert_eq!(offset(&head), Some(w[1] as u64), "chunk {i}");
            // A chunk whose checksum does not hold keeps nothing, on either node.
            let wrong = STANDARD.encode(Sha256::digest(b"something else"));
            let r = other
                .send(
                    patch(&auth, &url, w[1], &bytes[w[1]..w[1] + 100])
                        .insert_header(("Upload-Checksum", format!("sha256 {wrong}"))),
                )
                .await;
            assert_eq!(r.status.as_u16(), 460, "chunk {i}: {}", r.text());
            let head = node.send(tus(Method::HEAD, &url, &auth)).await;
            assert_eq!(offset(&head), Some(w[1] as u64), "nothing of it was kept");
        } else {
            let id = r.header("homedisk-file-id").expect("Homedisk-File-Id").to_owned();
            let got = a.send(content_req(&alice.token, &id)).await;
            assert_eq!(got.status, 200);
            assert!(got.body == bytes, "the file is exactly the bytes sent, across both nodes");
        }
    }
    assert_eq!(
        left_in_bucket(&a.state).await,
        Vec::<String>::new(),
        "no part or staging object left"
    );

    // The same bytes again: already stored, so the copy is skipped and the file shares them.
    let url = location(&b.send(create(&auth, bytes.len(), "again.mp4")).await);
    let r = b.send(patch(&auth, &url, 0, &bytes)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let id = r.header("homedisk-file-id").expect("file").to_owned();
    assert!(a.send(content_req(&alice.token, &id)).await.body == bytes);
    assert_eq!(left_in_bucket(&a.state).await, Vec::<String>::new());
}

#[actix_web::test]
async fn a_cancelled_or_expired_upload_leaves_no_parts_and_small_files_need_no_part() {
    let Some(endpoint) = s3_endpoint() else { return };
    let (a, b) = two_nodes!(&endpoint);
    let alice = a.register("alice").await;
    let auth = bearer(&alice.token);
    let bytes = noise(12 << 20, 5);
    // One whole part and pending bytes, then cancelled from the other node.
    let url = location(&a.send(create(&auth, bytes.len(), "big.bin")).await);
    assert_eq!(a.send(patch(&auth, &url, 0, &bytes[..9 << 20])).await.status, 204);
    assert_eq!(left_in_bucket(&a.state).await.len(), 1, "the pending bytes are an object");
    let r = b.send(tus(Method::DELETE, &url, &auth)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(left_in_bucket(&a.state).await, Vec::<String>::new(), "cancelled: nothing left");
    assert_eq!(a.send(tus(Method::HEAD, &url, &auth)).await.status, 404);

    // Expired: the sweep removes its row and its objects.
    let url = location(&a.send(create(&auth, bytes.len(), "old.bin")).await);
    assert_eq!(b.send(patch(&auth, &url, 0, &bytes[..1000])).await.status, 204);
    let id = url.rsplit('/').next().expect("id").to_owned();
    expire(&mut a.conn(), &id);
    let dir = a.state.config.data_dir.join("uploads");
    let backend = homedisk::uploads::Backend::of(&a.state.storage, &dir);
    let now = chrono::Utc::now().naive_utc();
    let mut conn = a.conn();
    let swept =
        tokio::task::spawn_blocking(move || homedisk::uploads::sweep(&mut conn, &backend, now, 10))
            .await
            .expect("no panic")
            .expect("sweep");
    assert_eq!(swept, 1);
    assert_eq!(left_in_bucket(&a.state).await, Vec::<String>::new(), "expired: nothing left");

    // Small files, empty files and creation-with-upload never start a multipart upload.
    for len in [0usize, 1, 5000] {
        let body = noise(len, len as u64);
        let meta = format!("filename {}", STANDARD.encode(format!("small-{len}.txt")));
        let r = a
            .send(
                tus(Method::POST, "/api/v1/uploads", &auth)
                    .insert_header(("Upload-Length", len.to_string()))
                    .insert_header(("Upload-Metadata", meta))
                    .insert_header(("Content-Type", "application/offset+octet-stream"))
                    .set_payload(body.clone()),
            )
            .await;
        assert_eq!(r.status, 201, "{len}: {}", r.text());
        let id = r.header("homedisk-file-id").expect("made at once").to_owned();
        let got = b.send(content_req(&alice.token, &id)).await;
        assert!(got.body == body, "{len} bytes");
    }
    assert_eq!(left_in_bucket(&a.state).await, Vec::<String>::new());
}
