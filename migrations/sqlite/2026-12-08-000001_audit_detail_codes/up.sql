-- Audit details that the pages can translate (#17). Each entry written from now on carries
-- what its `detail` text says as a stable code (`audit::DetailCode`, such as
-- `sessions_ended`) and its values as a JSON object (`{"count":3}`): the page renders them
-- in the reader's language. `detail` keeps the English text as before (the API's field).
-- Entries written before have neither and are shown with their stored text.
ALTER TABLE audit_log ADD COLUMN detail_code TEXT;
ALTER TABLE audit_log ADD COLUMN detail_params TEXT;
