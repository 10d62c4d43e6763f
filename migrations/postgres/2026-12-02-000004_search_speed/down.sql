DROP INDEX files_owner_name_key_c;
DROP INDEX files_search_recent;
