DROP TABLE job_runs;
DROP TABLE login_limits;
