-- Search by name: a trigram FTS5 index over `files.name_key` (the folded name), kept in step by
-- triggers, for queries of 3 characters or more; shorter ones scan `files_owner_name_key`.
--
-- The index stores its own copy of each key (not `content='files'`): its rowid is the row's
-- `files.rowid`, which `files` (TEXT primary key) does not promise to keep across a VACUUM.
-- A contentful index stays internally consistent whatever happens to those rowids, and every
-- query joins back to `files` by rowid and checks `instr(name_key, q)`, owner and trash on the
-- joined row, so a stale entry can make a search miss, never show a wrong or foreign row.
-- After a VACUUM, re-index with:
--   DELETE FROM files_search;
--   INSERT INTO files_search (rowid, name_key)
--     SELECT rowid, name_key FROM files WHERE name_key IS NOT NULL;
CREATE VIRTUAL TABLE files_search USING fts5 (name_key, tokenize = 'trigram');

INSERT INTO files_search (rowid, name_key)
    SELECT rowid, name_key FROM files WHERE name_key IS NOT NULL;

-- Each trigger first deletes by rowid, so an entry left at that rowid (see above) is replaced,
-- never a constraint error that would fail the write to `files`.
CREATE TRIGGER files_search_insert AFTER INSERT ON files WHEN new.name_key IS NOT NULL
BEGIN
    DELETE FROM files_search WHERE rowid = new.rowid;
    INSERT INTO files_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;

CREATE TRIGGER files_search_update AFTER UPDATE OF name_key ON files
BEGIN
    DELETE FROM files_search WHERE rowid = old.rowid;
    DELETE FROM files_search WHERE rowid = new.rowid;
    INSERT INTO files_search (rowid, name_key)
        SELECT new.rowid, new.name_key WHERE new.name_key IS NOT NULL;
END;

CREATE TRIGGER files_search_delete AFTER DELETE ON files
BEGIN
    DELETE FROM files_search WHERE rowid = old.rowid;
END;

-- Queries of one or two characters (below a trigram): one owner's keys, scanned in the index.
CREATE INDEX files_owner_name_key ON files (owner_id, name_key);
