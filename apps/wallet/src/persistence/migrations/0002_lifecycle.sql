ALTER TABLE "wallet"."holds" ADD COLUMN "captured_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "wallet"."holds" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "wallet"."journals" ADD COLUMN "reverses_journal_id" bigint;--> statement-breakpoint
CREATE INDEX "holds_active_expiry_idx" ON "wallet"."holds" USING btree ("expires_at") WHERE "wallet"."holds"."status" = 'active' and "wallet"."holds"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "journals_reverses_idx" ON "wallet"."journals" USING btree ("reverses_journal_id");