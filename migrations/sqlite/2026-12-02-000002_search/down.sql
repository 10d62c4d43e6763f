DROP INDEX files_owner_name_key;
DROP TRIGGER files_search_delete;
DROP TRIGGER files_search_update;
DROP TRIGGER files_search_insert;
DROP TABLE files_search;
