ALTER TABLE "risk"."decisions" ADD COLUMN "destination" text;--> statement-breakpoint
CREATE INDEX "decisions_account_destination_idx" ON "risk"."decisions" USING btree ("merchant_id","account","destination");--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_payment_uq" ON "risk"."decisions" USING btree ("merchant_id","payment_id") WHERE "risk"."decisions"."payment_id" is not null;