ALTER TABLE "auth"."api_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "auth"."api_keys" ADD COLUMN "rotated_from" text;--> statement-breakpoint
ALTER TABLE "auth"."api_keys" ADD COLUMN "rate_limit_per_sec" double precision;--> statement-breakpoint
ALTER TABLE "auth"."api_keys" ADD COLUMN "rate_limit_burst" integer;