-- "Keep me signed in" across the two-factor handover (#17): the login form's choice is kept
-- on the server with the challenge (never in a field the browser could set afterwards), and
-- the session the code starts is made persistent from it. Older rows read as not kept.
ALTER TABLE mfa_challenges ADD COLUMN persistent BOOLEAN NOT NULL DEFAULT FALSE;
