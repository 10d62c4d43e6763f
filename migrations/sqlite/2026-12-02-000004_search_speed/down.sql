DROP INDEX files_search_recent;
