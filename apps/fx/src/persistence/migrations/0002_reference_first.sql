-- The reference first, not merchant_id: see payments' migration 0006.
DROP INDEX "fx"."conversions_merchant_reference_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "conversions_merchant_reference_uq" ON "fx"."conversions" USING btree ("reference","merchant_id");