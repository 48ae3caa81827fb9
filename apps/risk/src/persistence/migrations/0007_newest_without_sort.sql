-- An account's newest decision (ORDER BY created_at DESC, id DESC LIMIT 1: risk.newest_decision,
-- run by every record, and the history read's `newest` and sample) was a top-N sort of every
-- decision of the account, because the index stopped at created_at: 2.6 ms per call for a hot
-- account with 3,565 decisions, growing with them. With id in the index, it is the first entry
-- of a backward scan. The velocity windows' scans use the same index by its first three columns.
DROP INDEX "risk"."decisions_account_created_idx";--> statement-breakpoint
CREATE INDEX "decisions_account_created_idx" ON "risk"."decisions" USING btree ("account","merchant_id","created_at","id");
