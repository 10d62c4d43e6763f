-- Accounts and the sessions behind every token (the PostgreSQL twin of migrations/sqlite: the
-- same tables, columns and constraints, spelled for PostgreSQL).
-- Ids are UUID strings; times are UTC timestamps without zone (diesel Timestamp).
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL,
    email         TEXT,
    phone         TEXT UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
    quota         BIGINT NOT NULL CHECK (quota >= 0),
    storage_used  BIGINT NOT NULL DEFAULT 0 CHECK (storage_used >= 0),
    created_at    TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

-- Unique without regard to case: "Alice" and "alice" are the same person (SQLite says
-- COLLATE NOCASE; queries compare lower(column) on both).
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client         TEXT NOT NULL CHECK (client IN ('web', 'app', 'api')),
    created_at     TIMESTAMP NOT NULL,
    last_used_at   TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    revoked_reason TEXT,
    user_agent     TEXT,
    ip             TEXT
);

CREATE INDEX sessions_user_id ON sessions (user_id);
