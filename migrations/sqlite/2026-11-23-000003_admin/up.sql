-- The audit log: who did what to whom, from where. Never holds a password or a token.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at          TIMESTAMP NOT NULL,
    event       TEXT NOT NULL,
    -- Who acted (NULL for an anonymous failed login); the name is kept for when the account
    -- is deleted.
    actor_id    TEXT,
    actor_name  TEXT,
    -- Whom it was done to, when not the actor.
    target_id   TEXT,
    target_name TEXT,
    -- Failed logins: the login name that was tried.
    login       TEXT,
    ip          TEXT,
    user_agent  TEXT,
    -- A short human text: "quota 10.0 GiB → 2.0 GiB", "reason: wrong password".
    detail      TEXT
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_event ON audit_log (event, at);

-- Instance settings changed at runtime by an admin; they override the environment's defaults.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT
);
