ALTER TABLE audit_log DROP COLUMN detail_params;
ALTER TABLE audit_log DROP COLUMN detail_code;
