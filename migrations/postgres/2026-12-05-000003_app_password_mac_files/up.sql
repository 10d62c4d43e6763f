-- WebDAV: whether this app password stores the files macOS writes beside every file
-- (`._name`, `.DS_Store`); off by default, they are then answered and dropped.
ALTER TABLE app_passwords ADD COLUMN keep_mac_files BOOLEAN NOT NULL DEFAULT FALSE;
