-- Search's "contains" tier walks one owner's live rows newest first and stops after a page of
-- matches: this index is in exactly that order (ties by id, as the cursor) and holds the key,
-- so the walk is an index-only scan until a match.
CREATE INDEX files_search_recent ON files (owner_id, modified_at DESC, id, name_key)
    WHERE trashed_at IS NULL;
-- The prefix tier is a byte-order range (`name_key COLLATE "C"`), whatever the database's
-- collation; `files_owner_name_key` is in that collation, so it cannot serve the range.
CREATE INDEX files_owner_name_key_c ON files (owner_id, name_key COLLATE "C")
    WHERE trashed_at IS NULL;
