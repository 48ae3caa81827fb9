-- Claims a journal reference for legs: a new journal (o_replayed false), or the one already
-- posted under it when its entries are exactly these legs (o_replayed true); any other journal
-- under that reference is refused with REFERENCE_REUSED (raised as below: SQLSTATE 'WLREF').
-- p_legs: [{"account": text, "currency": text, "delta": "signed minor units as text", ...}].
CREATE OR REPLACE FUNCTION "wallet"."claim_journal"(
	p_merchant text,
	p_kind text,
	p_reference text,
	p_legs jsonb,
	OUT o_journal_id bigint,
	OUT o_created_at timestamptz,
	OUT o_replayed boolean
) LANGUAGE plpgsql AS $$
DECLARE
	v_journal_ref text := p_kind || ':' || p_reference;
BEGIN
	INSERT INTO wallet.journals (merchant_id, kind, reference)
	VALUES (p_merchant, p_kind, v_journal_ref)
	ON CONFLICT DO NOTHING
	RETURNING id, created_at INTO o_journal_id, o_created_at;
	IF o_journal_id IS NOT NULL THEN
		o_replayed := false;
		RETURN;
	END IF;
	SELECT j.id, j.created_at INTO o_journal_id, o_created_at
	  FROM wallet.journals j WHERE j.merchant_id = p_merchant AND j.reference = v_journal_ref;
	IF EXISTS (
		(SELECT e.account_id, e.currency::text, e.amount_minor FROM wallet.entries e WHERE e.journal_id = o_journal_id
		 EXCEPT ALL
		 SELECT l->>'account', l->>'currency', (l->>'delta')::bigint FROM jsonb_array_elements(p_legs) l)
		UNION ALL
		(SELECT l->>'account', l->>'currency', (l->>'delta')::bigint FROM jsonb_array_elements(p_legs) l
		 EXCEPT ALL
		 SELECT e.account_id, e.currency::text, e.amount_minor FROM wallet.entries e WHERE e.journal_id = o_journal_id)
	) THEN
		RAISE EXCEPTION USING ERRCODE = 'WLREF', MESSAGE = 'REFERENCE_REUSED',
			DETAIL = jsonb_build_object('kind', 'REFERENCE_REUSED', 'reference', p_reference)::text;
	END IF;
	o_replayed := true;
END
$$;
--> statement-breakpoint
-- A transfer posted in one statement (one round trip). `wallet.post_transfer` is one transfer, the
-- same steps and refusals as the ledger's TypeScript operations (see ledger-tx.ts); a refusal is
-- raised with SQLSTATE 'WLREF', message = its kind, detail = its fields as JSON.
-- p_legs: [{"account": text, "currency": text, "delta": "signed minor units as text", "house": bool}],
-- in lock order (account, then currency).
CREATE OR REPLACE FUNCTION "wallet"."post_transfer"(
	p_merchant text,
	p_reference text,
	p_source text,
	p_destination text,
	p_legs jsonb,
	OUT o_journal_id bigint,
	OUT o_created_at timestamptz,
	OUT o_replayed boolean
) LANGUAGE plpgsql AS $$
DECLARE
	v_id text;
	v_status text;
	v_overdraft boolean;
	v_overdraft_ids text[] := '{}';
	v_leg jsonb;
	v_account text;
	v_currency text;
	v_delta bigint;
	v_after bigint;
	v_afters bigint[] := '{}';
	v_available bigint;
BEGIN
	-- 1. Claim the reference. Taken already: a replay if its entries are exactly these legs.
	SELECT c.o_journal_id, c.o_created_at, c.o_replayed INTO o_journal_id, o_created_at, o_replayed
	  FROM wallet.claim_journal(p_merchant, 'transfer', p_reference, p_legs) c;
	IF o_replayed THEN
		RETURN;
	END IF;

	-- 2. Both wallets must exist and be active; share-locked (in id order) so a freeze cannot interleave.
	PERFORM 1 FROM wallet.accounts a
	  WHERE a.merchant_id = p_merchant AND a.id IN (p_source, p_destination) AND a.kind = 'wallet'
	  ORDER BY a.id FOR SHARE;
	FOREACH v_id IN ARRAY ARRAY[p_source, p_destination] LOOP
		SELECT a.status, a.allow_overdraft INTO v_status, v_overdraft
		  FROM wallet.accounts a WHERE a.merchant_id = p_merchant AND a.id = v_id AND a.kind = 'wallet';
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'WLREF', MESSAGE = 'ACCOUNT_NOT_FOUND',
				DETAIL = jsonb_build_object('kind', 'ACCOUNT_NOT_FOUND', 'accountId', v_id)::text;
		END IF;
		IF v_status <> 'active' THEN
			RAISE EXCEPTION USING ERRCODE = 'WLREF', MESSAGE = 'ACCOUNT_INACTIVE',
				DETAIL = jsonb_build_object('kind', 'ACCOUNT_INACTIVE', 'accountId', v_id, 'status', v_status)::text;
		END IF;
		IF v_overdraft THEN v_overdraft_ids := array_append(v_overdraft_ids, v_id); END IF;
	END LOOP;

	-- 3. The legs, in order. House legs keep no running balance; a wallet debit is one conditional
	-- UPDATE (available must cover it unless overdraft is allowed); a credit opens the balance if new.
	FOR i IN 0 .. jsonb_array_length(p_legs) - 1 LOOP
		v_leg := p_legs -> i;
		v_account := v_leg->>'account';
		v_currency := v_leg->>'currency';
		v_delta := (v_leg->>'delta')::bigint;
		v_after := NULL;
		IF (v_leg->>'house')::boolean THEN
			NULL;
		ELSIF v_delta < 0 THEN
			v_overdraft := v_account = ANY (v_overdraft_ids);
			IF v_overdraft THEN
				-- An overdraft wallet may go below zero in a currency it has never held.
				INSERT INTO wallet.balances (merchant_id, account_id, currency)
				VALUES (p_merchant, v_account, v_currency) ON CONFLICT DO NOTHING;
			END IF;
			UPDATE wallet.balances b SET ledger_minor = b.ledger_minor + v_delta, updated_at = now()
			 WHERE b.merchant_id = p_merchant AND b.account_id = v_account AND b.currency = v_currency::bpchar
			   AND (v_overdraft OR b.ledger_minor - b.held_minor + v_delta >= 0)
			RETURNING b.ledger_minor INTO v_after;
			IF NOT FOUND THEN
				SELECT b.ledger_minor - b.held_minor INTO v_available FROM wallet.balances b
				 WHERE b.merchant_id = p_merchant AND b.account_id = v_account AND b.currency = v_currency::bpchar;
				RAISE EXCEPTION USING ERRCODE = 'WLREF', MESSAGE = 'INSUFFICIENT_FUNDS',
					DETAIL = jsonb_build_object('kind', 'INSUFFICIENT_FUNDS', 'accountId', v_account, 'currency', v_currency,
						'availableMinor', coalesce(v_available, 0)::text, 'requiredMinor', (-v_delta)::text)::text;
			END IF;
		ELSE
			INSERT INTO wallet.balances AS b (merchant_id, account_id, currency, ledger_minor)
			VALUES (p_merchant, v_account, v_currency, v_delta)
			ON CONFLICT (merchant_id, account_id, currency)
			DO UPDATE SET ledger_minor = b.ledger_minor + excluded.ledger_minor, updated_at = now()
			RETURNING b.ledger_minor INTO v_after;
		END IF;
		v_afters := array_append(v_afters, v_after);
	END LOOP;

	-- 4. The entries, in leg order, each wallet one with its balance after.
	INSERT INTO wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
	SELECT o_journal_id, p_merchant, l.leg->>'account', l.leg->>'currency', (l.leg->>'delta')::bigint, v_afters[l.n]
	  FROM jsonb_array_elements(p_legs) WITH ORDINALITY AS l(leg, n)
	 ORDER BY l.n;
END
$$;
--> statement-breakpoint
-- Several transfers (one merchant) in one statement: every wallet balance row they touch is
-- row-locked first in the one global order (account, then currency, collate "C"), so the batch
-- cannot deadlock with single transfers; then each transfer runs in a subtransaction of its own,
-- so a refused one rolls back alone and the rest commit. One row per item (0-based `item`):
-- posted (journal_id, created_at, replayed) or refused (`refusal`: the refusal's fields as JSON).
-- Any other error (deadlock, serialization failure…) fails the whole statement, to be retried.
-- p_items: [{"reference": text, "source": text, "destination": text, "legs": [as post_transfer]}].
CREATE OR REPLACE FUNCTION "wallet"."post_transfers"(p_merchant text, p_items jsonb)
RETURNS TABLE (item integer, journal_id bigint, created_at timestamptz, replayed boolean, refusal jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	v_item jsonb;
	v_detail text;
BEGIN
	IF jsonb_array_length(p_items) > 1 THEN
		PERFORM 1 FROM wallet.balances b
		  JOIN (SELECT DISTINCT lg->>'account' AS account_id, (lg->>'currency')::bpchar AS currency
		          FROM jsonb_array_elements(p_items) it, jsonb_array_elements(it->'legs') lg
		         WHERE NOT (lg->>'house')::boolean) k
		    ON b.merchant_id = p_merchant AND b.account_id = k.account_id AND b.currency = k.currency
		 ORDER BY b.account_id COLLATE "C", b.currency COLLATE "C"
		   FOR UPDATE OF b;
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
