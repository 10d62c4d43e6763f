-- SQLite gains indexes on lower(username) and lower(email) here; PostgreSQL has had them
-- (as its unique indexes) since the first migration. Kept so both lists share versions.
SELECT 1;
