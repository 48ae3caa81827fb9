-- A merchant's claims in one statement, as before, now as a PL/pgSQL function of single-row
-- statements on a unique key, whose plans are made once per connection. The batch statement it
-- replaces joined a JSON list to the payments table, so it had to be planned at every call: a plan
-- cached while the table was empty would have scanned it (BENCHMARKS.md, second pass). Planning it
-- cost more than running it (ninth pass).
--
-- payments.claim_many: for each item in order, the claim's insert, or else the payment already
-- under the item's idempotency key. One row per item that has one: item (1-based), inserted, and
-- the payment. A later item with an earlier one's key gets that payment (not inserted), as a
-- concurrent claim would; an item with no row (its id taken under another key) takes the claim's
-- other steps.
-- p_items: [[id, key, hash, currency, amount, source, destination, metadata (JSON text), quote,
-- capture, lease], ...], all of merchant p_merchant.
CREATE OR REPLACE FUNCTION "payments"."claim_many"(p_merchant text, p_items jsonb)
RETURNS TABLE (item integer, inserted boolean, payment payments.payments)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	v jsonb;
	r payments.payments;
BEGIN
	FOR i IN 0 .. jsonb_array_length(p_items) - 1 LOOP
		v := p_items -> i;
		INSERT INTO payments.payments (merchant_id, id, idempotency_key, request_hash, status, step, currency, amount_minor,
		                               source_account, destination_account, metadata, quote_id, capture_method, lease_expires_at)
		VALUES (p_merchant, v->>0, v->>1, v->>2, 'PROCESSING', 'accounts', v->>3, (v->>4)::bigint, v->>5, v->>6, (v->>7)::jsonb,
		        v->>8, v->>9, (v->>10)::timestamptz)
		ON CONFLICT DO NOTHING
		RETURNING * INTO r;
		IF FOUND THEN
			item := i + 1; inserted := true; payment := r;
			RETURN NEXT;
			CONTINUE;
		END IF;
		SELECT * INTO r FROM payments.payments p WHERE p.idempotency_key = v->>1 AND p.merchant_id = p_merchant;
		IF FOUND THEN
			item := i + 1; inserted := false; payment := r;
			RETURN NEXT;
		END IF;
	END LOOP;
END
$$;
