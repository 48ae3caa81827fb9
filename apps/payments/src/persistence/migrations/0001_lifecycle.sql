ALTER TABLE "payments"."payments" ADD COLUMN "idempotency_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "request_hash" text NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "step" text;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "debit_currency" char(3);--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "debit_amount_minor" bigint;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "credit_currency" char(3);--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "credit_amount_minor" bigint;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "fx" jsonb;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "risk" jsonb;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "failure_message" text;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "failure_details" jsonb;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_idempotency_key_uq" ON "payments"."payments" USING btree ("merchant_id","idempotency_key");