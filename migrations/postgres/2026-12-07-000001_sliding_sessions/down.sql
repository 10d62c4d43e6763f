DROP TABLE refresh_tokens;
ALTER TABLE sessions DROP COLUMN persistent;
