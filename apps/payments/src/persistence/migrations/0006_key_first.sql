-- The key first: with merchant_id leading, an empty table's generic plan (no statistics yet) could pick this index
-- over the primary key for "merchant_id = $1 and id = $2", then scan every payment of the merchant.
DROP INDEX "payments"."payments_idempotency_key_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "payments_idempotency_key_uq" ON "payments"."payments" USING btree ("idempotency_key","merchant_id");