-- What a photo's own metadata says (issue #17): read once per distinct content at upload
-- (files::photo), so keyed by blob like the bytes it describes: dedup and copies share one
-- row, and the row goes with the blob's last reference. A row with every column NULL means
-- "read, nothing found" (a picture without EXIF, or EXIF too broken to trust).
-- taken_at: DateTimeOriginal, converted to UTC when the camera wrote an offset
-- (taken_offset, minutes east of UTC), else the camera's wall clock as written.
-- latitude/longitude: shown to the owner only, never in a share.
CREATE TABLE photo_meta (
    sha256 TEXT PRIMARY KEY NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    width INTEGER,
    height INTEGER,
    taken_at TIMESTAMP,
    taken_offset INTEGER,
    camera_make TEXT,
    camera_model TEXT,
    lens TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    read_at TIMESTAMP NOT NULL
);
