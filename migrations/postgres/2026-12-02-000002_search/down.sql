DROP INDEX files_owner_name_key;
DROP INDEX files_name_key_trgm;
-- pg_trgm stays: another schema object may use it.
