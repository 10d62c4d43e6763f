-- Queries compare user names and e-mails as lower(column) = lower(?), the spelling both
-- databases share; these indexes let SQLite answer that without a table scan (the NOCASE
-- unique constraints stay: they still forbid "Alice" next to "alice").
CREATE INDEX users_username_lower ON users (lower(username));
CREATE INDEX users_email_lower ON users (lower(email));
