DROP INDEX users_email_lower;
DROP INDEX users_username_lower;
