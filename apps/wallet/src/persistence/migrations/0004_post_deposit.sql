-- A deposit posted in one statement (one round trip), the same steps and refusals as the ledger's
-- TypeScript operations (see ledger-tx.ts): claim 'deposit:<reference>' (taken already: a replay
-- if its entries are exactly these legs, else REFERENCE_REUSED); the wallet must exist and be
-- active (share-locked, so a freeze cannot interleave); the credit opens the balance if the
-- currency is new; house legs keep no running balance. Returns the journal and the wallet's
-- balance in that currency afterwards. A refusal is raised as in post_transfer (SQLSTATE 'WLREF',
-- message = its kind, detail = its fields as JSON): the statement, journal claim included, rolls back.
-- p_legs: as post_transfer's ([{"account", "currency", "delta", "house"}], in lock order): the
-- wallet's credit (positive) and house legs.
CREATE OR REPLACE FUNCTION "wallet"."post_deposit"(
	p_merchant text,
	p_reference text,
	p_account text,
	p_currency text,
	p_legs jsonb,
	OUT o_journal_id bigint,
	OUT o_created_at timestamptz,
	OUT o_replayed boolean,
	OUT o_ledger_minor bigint,
	OUT o_held_minor bigint
) LANGUAGE plpgsql AS $$
DECLARE
	v_status text;
	v_leg jsonb;
	v_after bigint;
	v_afters bigint[] := '{}';
BEGIN
	-- 1. Claim the reference. Taken already: a replay if its entries are exactly these legs.
	SELECT c.o_journal_id, c.o_created_at, c.o_replayed INTO o_journal_id, o_created_at, o_replayed
	  FROM wallet.claim_journal(p_merchant, 'deposit', p_reference, p_legs) c;
	IF o_replayed THEN
		SELECT b.ledger_minor, b.held_minor INTO o_ledger_minor, o_held_minor FROM wallet.balances b
		 WHERE b.merchant_id = p_merchant AND b.account_id = p_account AND b.currency = p_currency::bpchar;
		RETURN;
	END IF;

	-- 2. The wallet must exist and be active; share-locked so a freeze cannot interleave.
	SELECT a.status INTO v_status FROM wallet.accounts a
	 WHERE a.merchant_id = p_merchant AND a.id = p_account AND a.kind = 'wallet'
	   FOR SHARE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'WLREF', MESSAGE = 'ACCOUNT_NOT_FOUND',
			DETAIL = jsonb_build_object('kind', 'ACCOUNT_NOT_FOUND', 'accountId', p_account)::text;
	END IF;
	IF v_status <> 'active' THEN
		RAISE EXCEPTION USING ERRCODE = 'WLREF', MESSAGE = 'ACCOUNT_INACTIVE',
			DETAIL = jsonb_build_object('kind', 'ACCOUNT_INACTIVE', 'accountId', p_account, 'status', v_status)::text;
	END IF;

	-- 3. The legs, in order: house legs keep no running balance; the wallet's credit opens its balance if new.
	FOR i IN 0 .. jsonb_array_length(p_legs) - 1 LOOP
		v_leg := p_legs -> i;
		v_after := NULL;
		IF NOT (v_leg->>'house')::boolean THEN
			IF v_leg->>'account' <> p_account OR v_leg->>'currency' <> p_currency OR (v_leg->>'delta')::bigint <= 0 THEN
				RAISE EXCEPTION 'post_deposit: the only wallet leg is a credit of % in %', p_account, p_currency;
			END IF;
			INSERT INTO wallet.balances AS b (merchant_id, account_id, currency, ledger_minor)
			VALUES (p_merchant, p_account, p_currency, (v_leg->>'delta')::bigint)
			ON CONFLICT (merchant_id, account_id, currency)
			DO UPDATE SET ledger_minor = b.ledger_minor + excluded.ledger_minor, updated_at = now()
			RETURNING b.ledger_minor, b.held_minor INTO v_after, o_held_minor;
			o_ledger_minor := v_after;
		END IF;
		v_afters := array_append(v_afters, v_after);
	END LOOP;

	-- 4. The entries, in leg order, the wallet's with its balance after.
	INSERT INTO wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
	SELECT o_journal_id, p_merchant, l.leg->>'account', l.leg->>'currency', (l.leg->>'delta')::bigint, v_afters[l.n]
	  FROM jsonb_array_elements(p_legs) WITH ORDINALITY AS l(leg, n)
	 ORDER BY l.n;
END
$$;
