ALTER TABLE "risk"."decisions" ADD COLUMN "amount_ref_minor" bigint;--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "ref_currency" char(3);--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "features" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "shadow_rules_version" text;--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "shadow_score" integer;--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "shadow_decision" text;--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "shadow_reasons" jsonb;--> statement-breakpoint
ALTER TABLE "risk"."decisions" ADD COLUMN "shadow_diverged" boolean;--> statement-breakpoint
CREATE INDEX "decisions_shadow_diverged_idx" ON "risk"."decisions" USING btree ("merchant_id","created_at") WHERE "risk"."decisions"."shadow_diverged";