-- risk.newest_decision in PL/pgSQL, same result as in 0005: PL/pgSQL keeps its statement's plan
-- for the connection, where the SQL function was planned again at every call (0.076 ms of
-- planning per decision recorded, more than the lookup). Safe since 0007: with id last in the
-- account index, the plan PostgreSQL caches, even on an empty table without statistics, is a
-- backward scan of that index that stops at the first entry
-- (libs/database/src/statistics-free-plans.spec.ts checks it).
CREATE OR REPLACE FUNCTION risk.newest_decision(p_merchant text, p_account text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT d.id FROM risk.decisions d
           WHERE d.merchant_id = p_merchant AND d.account = p_account AND d.payment_id IS NOT NULL
           ORDER BY d.created_at DESC, d.id DESC LIMIT 1);
END;
$$;
