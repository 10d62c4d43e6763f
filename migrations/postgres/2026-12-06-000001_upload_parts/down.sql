ALTER TABLE uploads DROP COLUMN pending;
ALTER TABLE uploads DROP COLUMN parts;
ALTER TABLE uploads DROP COLUMN part_size;
ALTER TABLE uploads DROP COLUMN store_upload;
