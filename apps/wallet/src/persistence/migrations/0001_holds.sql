CREATE TABLE "wallet"."holds" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"reference" text NOT NULL,
	"account_id" text NOT NULL,
	"currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "holds_merchant_reference_uq" ON "wallet"."holds" USING btree ("merchant_id","reference");--> statement-breakpoint
CREATE INDEX "entries_journal_idx" ON "wallet"."entries" USING btree ("journal_id");