-- Cross-node invalidation of the preview grant cache (#20, src/auth/grants.rs): every node
-- LISTENs on `homedisk_grants` (src/db/listen.rs), and each committed change that can end a
-- remembered grant notifies it; a node moves its cache's epoch at every notification.
--
-- A grant is what the preview lookup reads (db::models::sessions::preview_check): the session
-- (its user, client, revocation and expiry), its user's state, and the file (owner, trash,
-- and what the preview serves: kind, name, mime, blob, modification time).
-- - Only successful answers are remembered, by ids that are never reused, so no INSERT can end
--   one: inserts do not notify (each upload and login would otherwise empty every node's
--   cache).
-- - UPDATEs notify only when a column the lookup reads changes: a row trigger's WHEN is
--   evaluated without calling the function, so the frequent writes that change nothing a
--   grant says (a session's last use, a user's storage used or last login) cost nothing and
--   keep the caches. A session's expiry moved later does not notify either: the cache keeps
--   the earlier end, which only makes it ask sooner.
-- - DELETE and TRUNCATE always notify (statement triggers: once per statement).
-- PostgreSQL delivers a notification only when its transaction commits, and folds identical
-- ones within a transaction into one. The payload is empty: listeners only move an epoch.
CREATE FUNCTION homedisk_grants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('homedisk_grants', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_grants_update AFTER UPDATE ON sessions FOR EACH ROW
    WHEN ((OLD.id, OLD.user_id, OLD.client, OLD.revoked_at, OLD.revoked_reason)
          IS DISTINCT FROM (NEW.id, NEW.user_id, NEW.client, NEW.revoked_at, NEW.revoked_reason)
          OR NEW.expires_at < OLD.expires_at)
    EXECUTE FUNCTION homedisk_grants_changed();
CREATE TRIGGER sessions_grants_delete AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION homedisk_grants_changed();

CREATE TRIGGER users_grants_update AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.id, OLD.state) IS DISTINCT FROM (NEW.id, NEW.state))
    EXECUTE FUNCTION homedisk_grants_changed();
CREATE TRIGGER users_grants_delete AFTER DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION homedisk_grants_changed();

CREATE TRIGGER files_grants_update AFTER UPDATE ON files FOR EACH ROW
    WHEN ((OLD.id, OLD.owner_id, OLD.kind, OLD.name, OLD.mime, OLD.blob_sha256,
           OLD.modified_at, OLD.trashed_at)
          IS DISTINCT FROM (NEW.id, NEW.owner_id, NEW.kind, NEW.name, NEW.mime, NEW.blob_sha256,
                            NEW.modified_at, NEW.trashed_at))
    EXECUTE FUNCTION homedisk_grants_changed();
CREATE TRIGGER files_grants_delete AFTER DELETE OR TRUNCATE ON files
    FOR EACH STATEMENT EXECUTE FUNCTION homedisk_grants_changed();
