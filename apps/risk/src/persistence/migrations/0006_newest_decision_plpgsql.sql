-- risk.newest_decision as PL/pgSQL, same result as in 0005: PL/pgSQL keeps its statement's plan
-- for the connection. A LANGUAGE sql function with a FROM clause is not inlined where
-- record_decision calls it, and PostgreSQL 15 plans its statement again at every call: 0.076 ms
-- of planning per decision recorded, more than the lookup itself (pg_stat_statements, track = all).
CREATE OR REPLACE FUNCTION risk.newest_decision(p_merchant text, p_account text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT d.id FROM risk.decisions d
           WHERE d.merchant_id = p_merchant AND d.account = p_account AND d.payment_id IS NOT NULL
           ORDER BY d.created_at DESC, d.id DESC LIMIT 1);
END;
$$;
