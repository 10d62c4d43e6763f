-- Share links. The token (256 random bits) is kept only as its SHA-256, so a leaked
-- database names no working link; a link is found by that digest. password_hash is bcrypt
-- (people pick share passwords); password_version grows with every password change, and an
-- unlock names the version it was for, so a new password locks every visitor out again.
-- token_sealed is the token XORed with an HMAC of the link id under the server's key: the
-- owner's pages can show the link again, while the database alone still names no working link.
-- kind: view or upload; an upload link counts what visitors dropped (upload_count files,
-- upload_bytes bytes) against its own caps (max_uploads, max_upload_bytes) in the same
-- transaction that commits each file; uploader_folders puts each visitor's files in a
-- subfolder named after them. download_count only grows by one conditional UPDATE against
-- max_downloads (the cap). A link of a deleted account goes with it (ON DELETE CASCADE); its
-- file is checked live at every request (a trashed target is not shared, a restored one is).
CREATE TABLE shares (
    id               TEXT PRIMARY KEY NOT NULL,
    token_sha256     TEXT NOT NULL UNIQUE,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_id          TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL DEFAULT 'view',
    label            TEXT,
    password_hash    TEXT,
    password_version INTEGER NOT NULL DEFAULT 0,
    allow_download   BOOLEAN NOT NULL DEFAULT 1,
    hide_location    BOOLEAN NOT NULL DEFAULT 0,
    expires_at       TIMESTAMP,
    max_downloads    BIGINT,
    download_count   BIGINT NOT NULL DEFAULT 0,
    view_count       BIGINT NOT NULL DEFAULT 0,
    max_uploads      BIGINT,
    max_upload_bytes BIGINT,
    upload_count     BIGINT NOT NULL DEFAULT 0,
    upload_bytes     BIGINT NOT NULL DEFAULT 0,
    uploader_folders BOOLEAN NOT NULL DEFAULT 0,
    token_sealed     TEXT,
    created_at       TIMESTAMP NOT NULL,
    revoked_at       TIMESTAMP
);

CREATE INDEX shares_owner ON shares (owner_id, created_at);
CREATE INDEX shares_file ON shares (file_id);
