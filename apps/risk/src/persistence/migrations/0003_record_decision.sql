-- Records a payment's decision in one statement, if the account's history it was computed on is
-- still the newest: under the account's advisory lock (the same key as the locked path, so the two
-- serialise), 'exists' when the payment was already recorded, 'stale' when another decision of the
-- account was recorded since the read (the caller decides again under the lock), else 'recorded'.
-- Each statement here takes a fresh snapshot, so the check after the lock sees every earlier commit.
CREATE OR REPLACE FUNCTION risk.record_decision(
  p_merchant text, p_payment text, p_account text, p_destination text, p_currency text,
  p_amount_minor bigint, p_amount_ref_minor bigint, p_ref_currency text,
  p_score integer, p_decision text, p_reasons jsonb, p_rules_version text, p_features jsonb,
  p_shadow_rules_version text, p_shadow_score integer, p_shadow_decision text, p_shadow_reasons jsonb,
  p_shadow_diverged boolean, p_created_at timestamptz, p_seen_newest bigint
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_newest bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('risk:' || p_merchant || ':' || p_account, 0));
  IF EXISTS (SELECT 1 FROM risk.decisions WHERE merchant_id = p_merchant AND payment_id = p_payment) THEN
    RETURN 'exists';
  END IF;
  SELECT d.id INTO v_newest FROM risk.decisions d
   WHERE d.merchant_id = p_merchant AND d.account = p_account AND d.payment_id IS NOT NULL
   ORDER BY d.created_at DESC LIMIT 1;
  IF v_newest IS DISTINCT FROM p_seen_newest THEN
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
