ALTER TABLE app_passwords DROP COLUMN keep_mac_files;
