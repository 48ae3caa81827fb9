CREATE SCHEMA IF NOT EXISTS "wallet";
--> statement-breakpoint
CREATE TABLE "wallet"."accounts" (
	"merchant_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text DEFAULT 'wallet' NOT NULL,
	"default_currency" char(3) NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"allow_overdraft" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_merchant_id_id_pk" PRIMARY KEY("merchant_id","id")
);
--> statement-breakpoint
CREATE TABLE "wallet"."balances" (
	"merchant_id" text NOT NULL,
	"account_id" text NOT NULL,
	"currency" char(3) NOT NULL,
	"ledger_minor" bigint DEFAULT 0 NOT NULL,
	"held_minor" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "balances_merchant_id_account_id_currency_pk" PRIMARY KEY("merchant_id","account_id","currency")
);
--> statement-breakpoint
CREATE TABLE "wallet"."entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"journal_id" bigint NOT NULL,
	"merchant_id" text NOT NULL,
	"account_id" text NOT NULL,
	"currency" char(3) NOT NULL,
	"amount_minor" bigint NOT NULL,
	"balance_after_minor" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wallet"."journals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"kind" text NOT NULL,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "wallet"."entries" ADD CONSTRAINT "entries_journal_id_journals_id_fk" FOREIGN KEY ("journal_id") REFERENCES "wallet"."journals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entries_account_idx" ON "wallet"."entries" USING btree ("merchant_id","account_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "journals_merchant_reference_uq" ON "wallet"."journals" USING btree ("merchant_id","reference");