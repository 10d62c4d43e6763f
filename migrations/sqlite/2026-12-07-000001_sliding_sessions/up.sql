-- Sliding browser sessions and refresh tokens (#17).
-- persistent: the browser session was started with "keep me signed in" (a persistent cookie
-- and the long idle limit); every older row reads as not kept.
ALTER TABLE sessions ADD COLUMN persistent BOOLEAN NOT NULL DEFAULT FALSE;

-- Refresh tokens of app/api sessions. The token is 256 random bits, so its SHA-256 is all
-- that is kept. A row is used once: rotation sets used_at with a compare-and-set
-- (`WHERE used_at IS NULL`), and presenting a used one again ends the session (reuse
-- detection). Rows go with their session.
CREATE TABLE refresh_tokens (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP,
    -- the scope of the access tokens it mints (the login's, perhaps narrowed)
    scope        TEXT NOT NULL
);

CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
