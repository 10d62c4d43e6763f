-- WebDAV locks (RFC 4918 class 2), kept here rather than in a process so they survive a
-- restart and hold across nodes. A lock names a path under one mount: the account's root
-- (mount '') or the folder an app password is confined to (mount = that folder's id); the
-- path is the URL-encoded path below the mount, as dav-server hands it. expires_at NULL: an
-- infinite lock. Expired rows are ignored at once and swept by the jobs.
CREATE TABLE dav_locks (
    token        TEXT PRIMARY KEY NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mount        TEXT NOT NULL,
    path         TEXT NOT NULL,
    principal    TEXT,
    owner_xml    TEXT,
    shared       BOOLEAN NOT NULL,
    deep         BOOLEAN NOT NULL,
    timeout_secs BIGINT,
    expires_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);

CREATE INDEX dav_locks_mount ON dav_locks (owner_id, mount);
CREATE INDEX dav_locks_expires ON dav_locks (expires_at);

-- WebDAV dead properties (PROPPATCH), per file or folder: keyed by the row's id, so they
-- follow a MOVE and go with the row when it is purged. xml is the property element as the
-- client sent it.
CREATE TABLE dav_props (
    file_id   TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    namespace TEXT NOT NULL,
    name      TEXT NOT NULL,
    prefix    TEXT,
    xml       TEXT,
    PRIMARY KEY (file_id, namespace, name)
);
