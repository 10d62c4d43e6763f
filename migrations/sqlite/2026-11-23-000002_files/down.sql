DROP TABLE files;
DROP TABLE blobs;
