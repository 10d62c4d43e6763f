DROP TABLE dav_props;
DROP TABLE dav_locks;
