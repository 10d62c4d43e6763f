-- Files and folders. Content lives in blobs, addressed by SHA-256 and shared between files
-- with the same bytes (refcount = how many file rows point at the blob).
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY NOT NULL,
    size       BIGINT NOT NULL CHECK (size >= 0),
    refcount   BIGINT NOT NULL CHECK (refcount >= 0),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE files (
    id          TEXT PRIMARY KEY NOT NULL,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The containing folder; NULL is the owner's root.
    parent_id   TEXT REFERENCES files (id),
    kind        TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
    name        TEXT NOT NULL,
    size        BIGINT NOT NULL DEFAULT 0 CHECK (size >= 0),
    mime        TEXT,
    blob_sha256 TEXT REFERENCES blobs (sha256),
    created_at  TIMESTAMP NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'file') = (blob_sha256 IS NOT NULL))
);

-- One name per folder per owner (the root is parent '').
CREATE UNIQUE INDEX files_name_in_folder ON files (owner_id, COALESCE(parent_id, ''), name);
CREATE INDEX files_parent ON files (parent_id);
CREATE INDEX files_blob ON files (blob_sha256);
