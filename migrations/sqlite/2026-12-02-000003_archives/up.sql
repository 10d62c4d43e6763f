-- Download links for ZIP archives of a selection (POST /api/v1/archives): the URL carries a
-- secret whose SHA-256 is kept here, and the link works only while the session that made it
-- is alive (checked on every request) and until expires_at.
CREATE TABLE archives (
    id            TEXT PRIMARY KEY NOT NULL,
    owner_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    secret_sha256 TEXT NOT NULL,
    -- The selected file and folder ids, a JSON array, in the order given.
    items         TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);

CREATE INDEX archives_expires_at ON archives (expires_at);
CREATE INDEX archives_session_id ON archives (session_id);
