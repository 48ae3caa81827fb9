CREATE TABLE "fx"."quotes" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"idempotency_key" text,
	"request_hash" text NOT NULL,
	"from_currency" char(3) NOT NULL,
	"to_currency" char(3) NOT NULL,
	"amount_minor" bigint,
	"rate" text NOT NULL,
	"mid" text NOT NULL,
	"spread_bps" integer NOT NULL,
	"provider" text NOT NULL,
	"pivot" char(3) NOT NULL,
	"pivot_rates" jsonb NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_by" text,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fx"."conversions" ALTER COLUMN "rate" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "fx"."conversions" ADD COLUMN "reference" text NOT NULL;--> statement-breakpoint
ALTER TABLE "fx"."conversions" ADD COLUMN "converted_at_mid_minor" bigint NOT NULL;--> statement-breakpoint
ALTER TABLE "fx"."conversions" ADD COLUMN "mid" text NOT NULL;--> statement-breakpoint
ALTER TABLE "fx"."conversions" ADD COLUMN "spread_bps" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "fx"."conversions" ADD COLUMN "pivot_rates" jsonb NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "quotes_merchant_idempotency_key_uq" ON "fx"."quotes" USING btree ("merchant_id","idempotency_key") WHERE "fx"."quotes"."idempotency_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "conversions_merchant_reference_uq" ON "fx"."conversions" USING btree ("merchant_id","reference");