-- How each session was verified (password, password+totp, device, app_password), shown in
-- the session list; and when its user last proved who they are (login or re-entering the
-- password), which sensitive actions require to be recent.
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN verified_at TIMESTAMP;

-- App passwords: each is a session row (method 'app_password'), so revocation, expiry, the
-- last-used time and everything minted by it (preview URLs, archive links) follow the
-- session; this row holds what a session does not: the name, the SHA-256 of the secret, the
-- scopes and the folder it is confined to. No foreign key on folder_id: a folder that is
-- gone confines the password to nothing (every file answers 404), never to everything.
CREATE TABLE app_passwords (
    session_id    TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    scope         TEXT NOT NULL,
    folder_id     TEXT
);

CREATE INDEX app_passwords_user_id ON app_passwords (user_id);
