-- wallet.post_transfers as in 0003, but for how the batch locks its balance rows first: one
-- primary-key lookup per row, in the same global order (account, then currency, collate "C").
-- PL/pgSQL keeps a statement's plan for the connection, and the join of the batch's legs to
-- wallet.balances was planned without knowing how many legs there are (a guess of 5,000): on a
-- table still small when the plan was made, as a hash join over every balance of the merchant,
-- which it would keep doing as the table grows (without autovacuum's ANALYZE to replan it). A
-- lookup by the whole primary key has one plan whatever the table's size.
CREATE OR REPLACE FUNCTION "wallet"."post_transfers"(p_merchant text, p_items jsonb)
RETURNS TABLE (item integer, journal_id bigint, created_at timestamptz, replayed boolean, refusal jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	v_item jsonb;
	v_detail text;
	v_key record;
BEGIN
	IF jsonb_array_length(p_items) > 1 THEN
		FOR v_key IN
			SELECT k.account_id, k.currency
			  FROM (SELECT DISTINCT lg->>'account' AS account_id, (lg->>'currency')::bpchar AS currency
			          FROM jsonb_array_elements(p_items) it, jsonb_array_elements(it->'legs') lg
			         WHERE NOT (lg->>'house')::boolean) k
			 ORDER BY k.account_id COLLATE "C", k.currency COLLATE "C"
		LOOP
			PERFORM 1 FROM wallet.balances b
			 WHERE b.merchant_id = p_merchant AND b.account_id = v_key.account_id AND b.currency = v_key.currency
			   FOR UPDATE;
		END LOOP;
	END IF;
	FOR i IN 0 .. jsonb_array_length(p_items) - 1 LOOP
		v_item := p_items -> i;
		item := i;
		journal_id := NULL;
		created_at := NULL;
		replayed := NULL;
		refusal := NULL;
		BEGIN
			SELECT t.o_journal_id, t.o_created_at, t.o_replayed INTO journal_id, created_at, replayed
			  FROM wallet.post_transfer(p_merchant, v_item->>'reference', v_item->>'source', v_item->>'destination', v_item->'legs') t;
		EXCEPTION WHEN SQLSTATE 'WLREF' THEN
			GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
			refusal := v_detail::jsonb;
		END;
		RETURN NEXT;
	END LOOP;
END
$$;
