CREATE SCHEMA IF NOT EXISTS "fx";
--> statement-breakpoint
CREATE TABLE "fx"."conversions" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"from_currency" char(3) NOT NULL,
	"to_currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"converted_minor" bigint NOT NULL,
	"rate" numeric(38, 18) NOT NULL,
	"side" text NOT NULL,
	"provider" text NOT NULL,
	"pivot" char(3),
	"quote_id" text,
	"as_of" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "conversions_merchant_created_idx" ON "fx"."conversions" USING btree ("merchant_id","created_at");