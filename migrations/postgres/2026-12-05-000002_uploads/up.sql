-- Resumable uploads (tus 1.0). One row per unfinished upload; its bytes so far are a file of
-- the node's own, {data}/uploads/{id}, never in tmp/ (which start-up empties). `received` is
-- only raised after those bytes are fsynced, in one statement with the hash states: the
-- SHA-256 midstate of every whole 64-byte block so far (hex; the tail is read back from the
-- file) and the CRC-32 so far. The row goes in the transaction that makes the file, so a file
-- and its upload never both exist. session_id is the auth session that made it: another
-- session (or a revoked one) does not see it.
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL,
    folder_id    TEXT REFERENCES files (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    length       BIGINT NOT NULL,
    received     BIGINT NOT NULL DEFAULT 0,
    sha256_state TEXT NOT NULL,
    crc32        BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);

CREATE INDEX uploads_owner ON uploads (owner_id);
CREATE INDEX uploads_expiry ON uploads (expires_at);
