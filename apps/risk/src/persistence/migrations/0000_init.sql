CREATE SCHEMA IF NOT EXISTS "risk";
--> statement-breakpoint
CREATE TABLE "risk"."decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"payment_id" text,
	"account" text NOT NULL,
	"currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"score" integer NOT NULL,
	"decision" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"rules_version" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "decisions_account_created_idx" ON "risk"."decisions" USING btree ("merchant_id","account","created_at");