-- Login rate limits shared by every node of a cluster (used on PostgreSQL; one SQLite node
-- keeps them in memory). One row per limited key (`ip:…`, `account:…`, `device:…`): the
-- theoretical arrival time of GCRA in Unix milliseconds. Rows in the past are pruned.
CREATE TABLE login_limits (
    key    TEXT PRIMARY KEY NOT NULL,
    tat_ms BIGINT NOT NULL
);

-- Background jobs that must run once per period across all nodes (audit pruning, and later
-- trash purge and upload expiry): a node runs a job only when its update of `last_run_at`
-- from older than one period ago succeeds, which at most one node's can.
CREATE TABLE job_runs (
    name        TEXT PRIMARY KEY NOT NULL,
    last_run_at TIMESTAMP NOT NULL
);
