ALTER TABLE "payments"."payment_events" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments"."payment_events" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "payment_events_unpublished_idx" ON "payments"."payment_events" USING btree ("id") WHERE "payments"."payment_events"."published_at" is null;