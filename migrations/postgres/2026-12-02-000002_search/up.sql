-- Search by name: `name_key LIKE '%q%'` (the folded name, see files::name_key) served by a
-- trigram GIN index for queries of 3 characters or more; shorter ones scan one owner's keys
-- in `files_owner_name_key`. pg_trgm is a trusted extension (PostgreSQL 13+): the database
-- owner may create it; Debian ships it in the server package.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX files_name_key_trgm ON files USING gin (name_key gin_trgm_ops);
CREATE INDEX files_owner_name_key ON files (owner_id, name_key);
