-- Accounts for bench/pgbench/transfer.sql (100,000 rows, like the demo ranges and more).
DROP TABLE IF EXISTS bench_accounts;
CREATE TABLE bench_accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
INSERT INTO bench_accounts SELECT g, 1000000 FROM generate_series(1, 100000) AS g;
VACUUM ANALYZE bench_accounts;
