-- The ceiling of a ledger transfer on this PostgreSQL: a bare two-row transfer in one
-- transaction, rows locked in a fixed order (as the wallet does), nothing else.
-- Run by `npm run bench` as: pgbench -n -f bench/pgbench/transfer.sql -D naccounts=N -c C -j 2 -T S <db>
\set a random(1, :naccounts)
\set b random(1, :naccounts)
BEGIN;
UPDATE bench_accounts SET balance = balance - 1 WHERE id = least(:a, :b);
UPDATE bench_accounts SET balance = balance + 1 WHERE id = greatest(:a, :b);
COMMIT;
