-- Device login (RFC 8628): an app asks for a code pair, a logged-in browser approves the
-- short user_code at /device, and the app's next poll with the long device_code gets a
-- session. The device_code is 256 random bits, so its SHA-256 is all that is kept (nothing
-- to brute-force, no bcrypt needed). user_code is the 8 letters without the dash, upper
-- case; unique over every row kept (rows go a day after they expire), so a typed code
-- names one request. status: pending, approved, denied, consumed.
CREATE TABLE device_codes (
    id                 TEXT PRIMARY KEY NOT NULL,
    device_code_sha256 TEXT NOT NULL UNIQUE,
    user_code          TEXT NOT NULL UNIQUE,
    client_name        TEXT NOT NULL,
    ip                 TEXT,
    user_agent         TEXT,
    created_at         TIMESTAMP NOT NULL,
    expires_at         TIMESTAMP NOT NULL,
    interval_secs      INTEGER NOT NULL,
    last_poll_at       TIMESTAMP,
    status             TEXT NOT NULL DEFAULT 'pending',
    user_id            TEXT REFERENCES users (id) ON DELETE CASCADE,
    decided_at         TIMESTAMP
);

CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
