-- Resumable uploads on a remote store (S3): the bytes go up as parts of one multipart upload
-- of the store, so any node can take the next PATCH. store_upload is that multipart upload's
-- id (NULL until the first part, and always on a local store); parts the ETags of the parts
-- stored so far, one per line, every part part_size bytes; pending the name of the object
-- holding the bytes past the last part (NULL when there are none). Written in the same
-- statement as `received`, only after the parts and that object are stored.
ALTER TABLE uploads ADD COLUMN store_upload TEXT;
ALTER TABLE uploads ADD COLUMN part_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN parts TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN pending TEXT;
