-- An account's newest decision is the latest created_at, and among decisions of one instant the
-- last inserted (highest id): the decisions recorded together below share the read's instant.
-- record_decision is the same as in 0003 but for that tie-break.
CREATE OR REPLACE FUNCTION risk.newest_decision(p_merchant text, p_account text) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT d.id FROM risk.decisions d
   WHERE d.merchant_id = p_merchant AND d.account = p_account AND d.payment_id IS NOT NULL
   ORDER BY d.created_at DESC, d.id DESC LIMIT 1
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION risk.record_decision(
  p_merchant text, p_payment text, p_account text, p_destination text, p_currency text,
  p_amount_minor bigint, p_amount_ref_minor bigint, p_ref_currency text,
  p_score integer, p_decision text, p_reasons jsonb, p_rules_version text, p_features jsonb,
  p_shadow_rules_version text, p_shadow_score integer, p_shadow_decision text, p_shadow_reasons jsonb,
  p_shadow_diverged boolean, p_created_at timestamptz, p_seen_newest bigint
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('risk:' || p_merchant || ':' || p_account, 0));
  IF EXISTS (SELECT 1 FROM risk.decisions WHERE merchant_id = p_merchant AND payment_id = p_payment) THEN
    RETURN 'exists';
  END IF;
  IF risk.newest_decision(p_merchant, p_account) IS DISTINCT FROM p_seen_newest THEN
    RETURN 'stale';
  END IF;
  INSERT INTO risk.decisions (merchant_id, payment_id, account, destination, currency, amount_minor, amount_ref_minor, ref_currency,
                              score, decision, reasons, rules_version, features,
                              shadow_rules_version, shadow_score, shadow_decision, shadow_reasons, shadow_diverged, created_at)
  VALUES (p_merchant, p_payment, p_account, p_destination, p_currency, p_amount_minor, p_amount_ref_minor, p_ref_currency,
          p_score, p_decision, p_reasons, p_rules_version, p_features,
          p_shadow_rules_version, p_shadow_score, p_shadow_decision, p_shadow_reasons, p_shadow_diverged, p_created_at);
  RETURN 'recorded';
END;
$$;
--> statement-breakpoint
-- Several decisions of one account, decided one after another on one read (each counting the
-- ones before it, all at the read's instant): recorded all or none, in their order, under the
-- account's lock, only if the account's newest decision is still the one that read saw. The
-- items are record_decision's first 19 values each, as a JSON array. 'exists' when any of the
-- payments was recorded already, 'stale' when another decision came in since the read (nothing
-- is recorded then; the caller decides each one again).
CREATE OR REPLACE FUNCTION risk.record_decisions_together(p_items jsonb, p_seen_newest bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_merchant text := p_items->0->>0;
  v_account text := p_items->0->>2;
BEGIN
  IF jsonb_typeof(p_items) IS DISTINCT FROM 'array' OR jsonb_array_length(p_items) = 0
     OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_items) v WHERE v->>0 IS DISTINCT FROM v_merchant OR v->>2 IS DISTINCT FROM v_account)
     OR (SELECT count(DISTINCT v->>1) FROM jsonb_array_elements(p_items) v) <> jsonb_array_length(p_items) THEN
    RAISE EXCEPTION 'record_decisions_together: one account''s distinct payments, at least one';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('risk:' || v_merchant || ':' || v_account, 0));
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_items) v
               JOIN risk.decisions d ON d.payment_id = v->>1 AND d.merchant_id = v_merchant) THEN
    RETURN 'exists';
  END IF;
  IF risk.newest_decision(v_merchant, v_account) IS DISTINCT FROM p_seen_newest THEN
    RETURN 'stale';
  END IF;
  INSERT INTO risk.decisions (merchant_id, payment_id, account, destination, currency, amount_minor, amount_ref_minor, ref_currency,
                              score, decision, reasons, rules_version, features,
                              shadow_rules_version, shadow_score, shadow_decision, shadow_reasons, shadow_diverged, created_at)
  SELECT v->>0, v->>1, v->>2, v->>3, v->>4, (v->>5)::bigint, (v->>6)::bigint, v->>7, (v->>8)::integer, v->>9, (v->>10)::jsonb,
         v->>11, (v->>12)::jsonb, v->>13, (v->>14)::integer, v->>15, (v->>16)::jsonb, (v->>17)::boolean, (v->>18)::timestamptz
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS w(v, n)
   ORDER BY n;
  RETURN 'recorded';
END;
$$;
