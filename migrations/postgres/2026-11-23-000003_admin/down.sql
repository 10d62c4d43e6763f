DROP TABLE settings;
DROP TABLE audit_log;
