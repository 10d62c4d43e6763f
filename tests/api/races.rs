//! Races that SQLite's single writer hides and PostgreSQL does not: many threads, each with its
//! own pooled connection, committing and deleting uploads at once through the same domain
//! functions the handlers call. On the PostgreSQL run these are real concurrent transactions
//! (two nodes look the same to the database as two threads).

use std::io::{Read, Write};
use std::sync::{Arc, Barrier};

use homedisk::db::ids::{FileId, UserId};
use homedisk::db::models::{blobs, users};
use homedisk::db::{DbPool, schema};
use homedisk::error::AppError;
use homedisk::files::upload::{Received, commit};
use homedisk::storage::{LocalStorage, Storage};
use sha2::{Digest, Sha256};

/// The local store with the latency of a remote one on the calls that race (a put of bytes
/// already there, a delete): it widens the windows the lock must close from microseconds to
/// milliseconds, so that a missing lock fails this test rather than once a month.
struct SlowStore(LocalStorage);

impl Storage for SlowStore {
    fn temp(&self) -> std::io::Result<tempfile::NamedTempFile> {
        self.0.temp()
    }
    fn put(&self, tmp: tempfile::NamedTempFile, key: &str) -> std::io::Result<()> {
        // Like S3: it looks whether the object exists first, the answer comes back later.
        let stored = self.0.put(tmp, key);
        std::thread::sleep(std::time::Duration::from_millis(3));
        stored
    }
    fn open(&self, key: &str) -> std::io::Result<homedisk::storage::BlobReader> {
        self.0.open(key)
    }
    fn delete(&self, key: &str) -> std::io::Result<()> {
        std::thread::sleep(std::time::Duration::from_millis(3));
        self.0.delete(key)
    }
    fn list(&self) -> std::io::Result<Vec<homedisk::storage::StoredBlob>> {
        self.0.list()
    }
    fn sweep_tmp(&self) -> std::io::Result<usize> {
        self.0.sweep_tmp()
    }
}

struct World {
    pool: DbPool,
    storage: Arc<SlowStore>,
    owner: UserId,
    _dir: tempfile::TempDir,
}

fn world(quota: i64) -> World {
    let dir = tempfile::TempDir::new().expect("tmp");
    let url = crate::database::fresh_url();
    let mut options = crate::database::options(url.as_deref(), dir.path());
    options.pool_size = 16; // a connection for every racing thread
    let pool = homedisk::db::connect(&options).expect("database");
    let storage = Arc::new(SlowStore(LocalStorage::open(dir.path()).expect("storage")));
    let owner = UserId::generate();
    let now = chrono::Utc::now().naive_utc();
    users::insert(
        &mut pool.get().expect("conn"),
        &users::NewUser {
            id: &owner,
            username: "racer",
            email: None,
            phone: None,
            password_hash: "x",
            role: "user",
            quota,
            created_at: now,
        },
    )
    .expect("user");
    World { pool, storage, owner, _dir: dir }
}

fn received(storage: &dyn Storage, bytes: &[u8]) -> Received {
    let mut tmp = storage.temp().expect("temp");
    tmp.write_all(bytes).expect("write");
    tmp.as_file().sync_all().expect("sync");
    Received {
        tmp: tmp.into(),
        size: bytes.len() as u64,
        sha256: format!("{:x}", Sha256::digest(bytes)),
        crc32: crc32fast::hash(bytes),
        mime: "application/octet-stream".into(),
        sent_ahead: false,
    }
}

impl World {
    fn upload(&self, name: &str, bytes: &[u8]) -> Result<FileId, AppError> {
        let mut conn = self.pool.get().expect("conn");
        let now = chrono::Utc::now().naive_utc();
        let r = received(self.storage.as_ref(), bytes);
        commit(&mut conn, self.storage.as_ref(), &self.owner, None, name, r, now).map(|f| f.id)
    }

    fn delete(&self, id: &FileId) {
        let mut conn = self.pool.get().expect("conn");
        let now = chrono::Utc::now().naive_utc();
        homedisk::files::trash::trash(&mut conn, &self.owner, id, now).expect("trash");
        homedisk::files::trash::purge(&mut conn, self.storage.as_ref(), |_| {}, &self.owner, id)
            .expect("purge");
    }

    fn stored(&self, sha: &str) -> Option<Vec<u8>> {
        let mut blob = self.storage.open(sha).ok()?;
        let mut out = Vec::new();
        blob.read_to_end(&mut out).expect("read blob");
        Some(out)
    }

    fn rows_using(&self, sha: &str) -> i64 {
        use diesel::prelude::*;
        schema::files::table
            .filter(schema::files::blob_sha256.eq(sha))
            .count()
            .get_result(&mut self.pool.get().expect("conn"))
            .expect("count")
    }

    fn refcount(&self, sha: &str) -> Option<i64> {
        use diesel::prelude::*;
        schema::blobs::table
            .find(sha)
            .select(schema::blobs::refcount)
            .get_result(&mut self.pool.get().expect("conn"))
            .optional()
            .expect("refcount")
    }
}

/// Threads upload the same bytes and delete some of their copies at the same moments: the
/// last reference's bytes go only when no row needs them, and every row that stays has its
/// bytes (the race the blob lock closes). The reference count always equals the rows.
#[test]
fn uploads_and_deletes_of_the_same_bytes_never_lose_them() {
    let w = Arc::new(world(1 << 30));
    let bytes: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    let sha = format!("{:x}", Sha256::digest(&bytes));
    const THREADS: usize = 4;
    const ROUNDS: usize = 100;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (w, bytes, barrier, sha) = (w.clone(), bytes.clone(), barrier.clone(), sha.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut kept = 0;
                for round in 0..ROUNDS {
                    let id = w.upload(&format!("copy-{t}-{round}"), &bytes).expect("upload");
                    // This row exists until this thread deletes it: so must its bytes (looked at
                    // a little later, after any delete racing this upload has finished).
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    assert!(w.stored(&sha).is_some(), "a committed upload lost its bytes");
                    // Odd threads keep their last copy; everything else goes again at once.
                    if t % 2 == 1 && round == ROUNDS - 1 {
                        kept += 1;
                    } else {
                        w.delete(&id);
                    }
                }
                kept
            })
        })
        .collect();
    let kept: i64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(kept, (THREADS / 2) as i64);
    assert_eq!(w.rows_using(&sha), kept);
    assert_eq!(w.refcount(&sha), Some(kept), "one reference per row");
    assert_eq!(w.stored(&sha).as_deref(), Some(bytes.as_slice()), "rows remain: bytes remain");

    // And when the last one goes, so do the bytes and the row.
    use diesel::prelude::*;
    let ids: Vec<FileId> = schema::files::table
        .select(schema::files::id)
        .load(&mut w.pool.get().expect("conn"))
        .expect("ids");
    std::thread::scope(|s| {
        for id in &ids {
            let w = &w;
            s.spawn(move || w.delete(id));
        }
    });
    assert_eq!(w.refcount(&sha), None);
    assert!(w.stored(&sha).is_none(), "no row: no bytes");
    assert_eq!(blobs::count(&mut w.pool.get().expect("conn")).expect("count"), 0);
}

/// Many uploads against one quota at once: exactly as many as fit succeed, the others get the
/// quota error, and storage_used is their exact sum (no lost update, no overdraft).
#[test]
fn concurrent_uploads_never_overdraw_the_quota() {
    const SIZE: usize = 10_000;
    const FIT: i64 = 7;
    let w = Arc::new(world(FIT * SIZE as i64));
    const THREADS: usize = 8;
    const EACH: usize = 3;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (w, barrier) = (w.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut stored = 0;
                for i in 0..EACH {
                    let bytes = vec![(t * EACH + i) as u8; SIZE];
                    match w.upload(&format!("f-{t}-{i}"), &bytes) {
                        Ok(_) => stored += 1,
                        Err(AppError::QuotaExceeded(_)) => {}
                        Err(e) => panic!("upload failed: {e:?}"),
                    }
                }
                stored
            })
        })
        .collect();
    let stored: i64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(stored, FIT, "exactly what fits");
    let user = users::find(&mut w.pool.get().expect("conn"), &w.owner).expect("user");
    assert_eq!(user.storage_used, FIT * SIZE as i64);
}

/// Nodes asking at the same moment whether a periodic job is due: exactly one runs it, and
/// nobody again until its period has passed.
#[test]
fn a_periodic_job_is_claimed_by_one_node_per_period() {
    use homedisk::db::models::job_runs::claim;
    let w = world(0);
    let now = chrono::Utc::now().naive_utc();
    let hour = chrono::Duration::hours(1);
    let claims: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let pool = &w.pool;
                s.spawn(move || {
                    claim(&mut pool.get().expect("conn"), "job", hour, now).expect("claim")
                })
            })
            .collect();
        handles.into_iter().map(|h| usize::from(h.join().expect("thread"))).sum()
    });
    assert_eq!(claims, 1);
    let mut conn = w.pool.get().expect("conn");
    assert!(!claim(&mut conn, "job", hour, now + chrono::Duration::minutes(59)).expect("claim"));
    assert!(claim(&mut conn, "job", hour, now + chrono::Duration::minutes(61)).expect("claim"));
    assert!(claim(&mut conn, "other", hour, now).expect("another job is its own"));
}

/// Nodes starting together on an empty PostgreSQL database: one applies the migrations under
/// the advisory lock, the others wait and find nothing pending; every one starts. (SQLite has
/// one node per data directory, locked by `homedisk.lock`: nothing to race.)
#[test]
fn nodes_starting_together_migrate_once() {
    let Some(url) = crate::database::empty_url() else {
        eprintln!("skipped: a PostgreSQL-only race (set {})", crate::database::SERVER_VAR);
        return;
    };
    let options = crate::database::options(Some(&url), std::path::Path::new("/nonexistent"));
    let barrier = Barrier::new(6);
    let started = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (options, barrier) = (options.clone(), &barrier);
                s.spawn(move || {
                    barrier.wait();
                    homedisk::db::connect(&options).map(drop).map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect::<Vec<_>>()
    });
    assert!(started.iter().all(Result::is_ok), "{started:?}");
    let pool = homedisk::db::connect(&options).expect("database");
    assert_eq!(blobs::count(&mut pool.get().expect("conn")).expect("tables exist"), 0);
}

/// Accounts registering at once on an empty instance: exactly one becomes the administrator.
#[test]
fn of_simultaneous_first_registrations_exactly_one_becomes_admin() {
    use homedisk::users::{RegisterInput, insert_account, validate_registration};
    let dir = tempfile::TempDir::new().expect("tmp");
    let url = crate::database::fresh_url();
    let mut options = crate::database::options(url.as_deref(), dir.path());
    options.pool_size = 8;
    let pool = homedisk::db::connect(&options).expect("database");
    let barrier = Barrier::new(6);
    std::thread::scope(|s| {
        for i in 0..6 {
            let (pool, barrier) = (&pool, &barrier);
            s.spawn(move || {
                let input = RegisterInput {
                    username: format!("early{i}"),
                    password: "correct horse battery".into(),
                    email: None,
                    phone: None,
                };
                let account = validate_registration(&input).expect("valid");
                barrier.wait();
                let now = chrono::Utc::now().naive_utc();
                insert_account(&mut pool.get().expect("conn"), &account, "x", 1 << 20, false, now)
                    .expect("registered");
            });
        }
    });
    let admins = users::count_active_admins(&mut pool.get().expect("conn")).expect("count");
    assert_eq!(admins, 1);
}

/// The two administrators demote each other at the same moment: one change wins, the other
/// is refused as taking away the last administrator; one active administrator remains.
#[test]
fn two_admins_demoting_each_other_at_once_leave_one() {
    use homedisk::audit::Origin;
    use homedisk::db::models::users::{Role, User};
    use homedisk::users::admin::{UserChanges, update_user};
    let w = world(0);
    let mut conn = w.pool.get().expect("conn");
    let now = chrono::Utc::now().naive_utc();
    let make = |conn: &mut homedisk::db::DbConn, name: &str| -> User {
        let id = UserId::generate();
        users::insert(
            conn,
            &users::NewUser {
                id: &id,
                username: name,
                email: None,
                phone: None,
                password_hash: "x",
                role: "admin",
                quota: 0,
                created_at: now,
            },
        )
        .expect("admin")
    };
    let (a, b) = (make(&mut conn, "admin-a"), make(&mut conn, "admin-b"));
    drop(conn);
    for _round in 0..5 {
        let barrier = Barrier::new(2);
        let demote = UserChanges { role: Some(Role::User), ..UserChanges::default() };
        let results: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = [(&a, &b), (&b, &a)]
                .into_iter()
                .map(|(by, target)| {
                    let (pool, barrier, demote) = (&w.pool, &barrier, &demote);
                    s.spawn(move || {
                        let mut conn = pool.get().expect("conn");
                        let origin = Origin { user_agent: None, ip: None };
                        barrier.wait();
                        match update_user(&mut conn, by, &target.id, demote, &origin, now) {
                            Ok(_) => true,
                            Err(AppError::Conflict(_)) => false,
                            Err(e) => panic!("refused for another reason than the rule: {e:?}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        let mut conn = w.pool.get().expect("conn");
        assert_eq!(users::count_active_admins(&mut conn).expect("count"), 1, "{results:?}");
        assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "{results:?}");
        // Both administrators again for the next round.
        for who in [&a, &b] {
            users::set_role(&mut conn, &who.id, Role::Admin).expect("restore");
        }
    }
}

/// Two folders moved into each other at the same moment: one move wins, the other is refused
/// (a folder cannot go below itself); the tree keeps no cycle, and both folders still have a
/// path to the root. Also two folders of one name created at once: one is created, the other
/// gets the ordinary "already used" answer, never a 500.
#[test]
fn opposite_moves_and_twin_creates_keep_the_tree_sound() {
    use homedisk::files::{create_folder, path_to, rename_move};
    let w = world(1 << 20);
    let now = chrono::Utc::now().naive_utc();
    for round in 0..5 {
        let mut conn = w.pool.get().expect("conn");
        let a = create_folder(&mut conn, &w.owner, None, &format!("a{round}"), now).expect("a");
        let b = create_folder(&mut conn, &w.owner, None, &format!("b{round}"), now).expect("b");
        drop(conn);
        let barrier = Barrier::new(2);
        let moved: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = [(&a.id, &b.id), (&b.id, &a.id)]
                .into_iter()
                .map(|(what, into)| {
                    let (w, barrier) = (&w, &barrier);
                    s.spawn(move || {
                        let mut conn = w.pool.get().expect("conn");
                        barrier.wait();
                        match rename_move(&mut conn, &w.owner, what, None, Some(Some(into)), now) {
                            Ok(_) => true,
                            Err(AppError::Validation(_) | AppError::Conflict(_)) => false,
                            Err(e) => panic!("a move failed for another reason: {e:?}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(moved.iter().filter(|m| **m).count(), 1, "{moved:?}");
        let mut conn = w.pool.get().expect("conn");
        for id in [&a.id, &b.id] {
            let row =
                homedisk::db::models::files::find_owned(&mut conn, &w.owner, id).expect("row");
            path_to(&mut conn, &w.owner, Some(&row)).expect("a path to the root");
        }

        let barrier = Barrier::new(2);
        let created: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (w, barrier) = (&w, &barrier);
                    s.spawn(move || {
                        let mut conn = w.pool.get().expect("conn");
                        barrier.wait();
                        let name = format!("twin{round}");
                        match create_folder(&mut conn, &w.owner, None, &name, now) {
                            Ok(_) => true,
                            Err(AppError::Validation(_)) => false,
                            Err(e) => panic!("a create failed for another reason: {e:?}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(created.iter().filter(|c| **c).count(), 1, "{created:?}");
    }
}
