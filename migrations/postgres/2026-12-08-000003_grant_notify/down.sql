DROP TRIGGER files_grants_delete ON files;
DROP TRIGGER files_grants_update ON files;
DROP TRIGGER users_grants_delete ON users;
DROP TRIGGER users_grants_update ON users;
DROP TRIGGER sessions_grants_delete ON sessions;
DROP TRIGGER sessions_grants_update ON sessions;
DROP FUNCTION homedisk_grants_changed();
