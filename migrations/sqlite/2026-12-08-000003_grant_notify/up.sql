-- PostgreSQL gains triggers here that notify the other nodes of changes to a preview grant
-- (src/db/listen.rs); one SQLite process sees all its writes itself. Kept so both lists
-- share versions.
SELECT 1;
