-- Search's "contains" tier (and a prefix tier of many keys) walks one owner's live rows newest
-- first and stops after a page of matches: this index is in exactly that order (ties by id, as
-- the cursor) and holds the key, so the walk reads no table row until a match.
CREATE INDEX files_search_recent ON files (owner_id, modified_at DESC, id, name_key)
    WHERE trashed_at IS NULL;
