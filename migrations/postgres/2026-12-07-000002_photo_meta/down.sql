DROP TABLE photo_meta;
