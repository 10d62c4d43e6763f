DROP TABLE app_passwords;
ALTER TABLE sessions DROP COLUMN verified_at;
ALTER TABLE sessions DROP COLUMN method;
