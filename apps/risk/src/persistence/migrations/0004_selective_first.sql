-- Selective column first (account, payment id), never merchant_id: see payments' migration 0006.
DROP INDEX "risk"."decisions_account_created_idx";--> statement-breakpoint
DROP INDEX "risk"."decisions_account_destination_idx";--> statement-breakpoint
DROP INDEX "risk"."decisions_payment_uq";--> statement-breakpoint
CREATE INDEX "decisions_account_created_idx" ON "risk"."decisions" USING btree ("account","merchant_id","created_at");--> statement-breakpoint
CREATE INDEX "decisions_account_destination_idx" ON "risk"."decisions" USING btree ("account","merchant_id","destination");--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_payment_uq" ON "risk"."decisions" USING btree ("payment_id","merchant_id") WHERE "risk"."decisions"."payment_id" is not null;