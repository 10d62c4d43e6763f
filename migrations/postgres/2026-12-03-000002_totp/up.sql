-- Two-factor login (TOTP, RFC 6238). The secret is kept on the user: totp_pending_secret
-- while enrolment waits for its first code, totp_secret once confirmed (totp_enabled_at
-- set). totp_last_step is the last 30-second step whose code was accepted: a code counts
-- only for a later step, checked and moved by one conditional UPDATE, so a code works once
-- even when two logins race with it.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Ten single-use codes for when the authenticator is lost, stored as SHA-256 (80 random
-- bits each: a fast hash is enough). Used by a conditional UPDATE of used_at.
CREATE TABLE recovery_codes (
    id          BIGSERIAL PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_sha256 TEXT NOT NULL,
    used_at     TIMESTAMP
);

CREATE INDEX recovery_codes_user_id ON recovery_codes (user_id);

-- A login whose password was right, waiting for its code (POST /api/v1/auth/login/mfa, the
-- /login/2fa page). The client holds the mfa_token; this row holds its SHA-256. Five minutes,
-- five wrong codes, one use.
CREATE TABLE mfa_challenges (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sha256 TEXT NOT NULL UNIQUE,
    client        TEXT NOT NULL,
    scope         TEXT,
    ip            TEXT,
    user_agent    TEXT,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    used_at       TIMESTAMP
);

CREATE INDEX mfa_challenges_user_id ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expires_at ON mfa_challenges (expires_at);
