-- Trash, stars, search keys and ZIP checksums.
--
-- A delete marks the whole subtree: every row gets `trashed_at` and `trash_root_id` (the id of
-- the item the user deleted), so "is this visible?" is a test on the row itself, never a walk
-- up the tree. The deleted item keeps its `parent_id` (restore goes back there when it still
-- exists) and remembers the path it had in `trashed_path` (for when that folder is gone).
ALTER TABLE files ADD COLUMN trashed_at TIMESTAMP;
ALTER TABLE files ADD COLUMN trash_root_id TEXT;
ALTER TABLE files ADD COLUMN trashed_path TEXT;
ALTER TABLE files ADD COLUMN starred BOOLEAN NOT NULL DEFAULT FALSE;
-- The name folded for search (NFKC, case and accents removed), computed by the application;
-- NULL until it is (rows from before this migration are filled at start-up).
ALTER TABLE files ADD COLUMN name_key TEXT;
-- CRC-32 of the bytes, for ZIP entries whose header must carry it before the data; NULL until
-- computed (blobs from before this migration are filled on first need).
ALTER TABLE blobs ADD COLUMN crc32 BIGINT;

-- A trashed item frees its name in its folder.
DROP INDEX files_name_in_folder;
CREATE UNIQUE INDEX files_name_in_folder ON files (owner_id, COALESCE(parent_id, ''), name)
    WHERE trashed_at IS NULL;
CREATE INDEX files_trash_root ON files (trash_root_id) WHERE trash_root_id IS NOT NULL;
-- One owner's trash (its listing and size).
CREATE INDEX files_trashed_at ON files (owner_id, trashed_at) WHERE trashed_at IS NOT NULL;
-- The retention job's scan of deletions, oldest first, across owners.
CREATE INDEX files_trash_expiry ON files (trashed_at, id) WHERE trash_root_id = id;
CREATE INDEX files_recent ON files (owner_id, modified_at);
CREATE INDEX files_starred ON files (owner_id) WHERE starred;
