CREATE SCHEMA IF NOT EXISTS "payments";
--> statement-breakpoint
CREATE TABLE "payments"."payments" (
	"merchant_id" text NOT NULL,
	"id" text NOT NULL,
	"status" text NOT NULL,
	"currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"source_account" text NOT NULL,
	"destination_account" text NOT NULL,
	"failure_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_merchant_id_id_pk" PRIMARY KEY("merchant_id","id")
);
