import { sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';

/** One disagreement between payments and the wallet ledger. */
export interface Mismatch {
  check: string;
  merchant_id: string;
  payment_id: string;
  detail: string;
}

export interface ReconcileReport {
  ok: boolean;
  checked: { payments: number; capture_journals: number; payment_holds: number };
  mismatches: Mismatch[];
}

/**
 * Compares payments with the wallet's journals and holds (one database, two schemas), both ways:
 * every captured payment has exactly its capture journal with the same amounts; every capture
 * journal belongs to a captured payment; AUTHORIZED/PENDING payments have an active hold and
 * active payment holds belong to one; succeeded refunds have their reversal journal. Read-only.
 */
export async function reconcile(db: Db): Promise<ReconcileReport> {
  const mismatches: Mismatch[] = [];
  const add = (check: string, rows: Array<{ merchant_id: string; payment_id: string; detail: string }>) =>
    mismatches.push(...rows.map((r) => ({ check, ...r })));

  add(
    'captured payment without its capture journal',
    await queryRows(
      db,
      sql`select p.merchant_id, p.id as payment_id, 'status ' || p.status as detail
            from payments.payments p
           where p.status in ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')
             and not exists (select 1 from wallet.journals j
                              where j.merchant_id = p.merchant_id and j.reference = 'transfer:payment:' || p.id || ':capture')`,
    ),
  );
  add(
    'capture journal without a captured payment',
    await queryRows(
      db,
      sql`select j.merchant_id, substring(j.reference from 'transfer:payment:(.*):capture') as payment_id,
                 coalesce('payment is ' || p.status, 'no such payment') as detail
            from wallet.journals j
            left join payments.payments p
              on p.merchant_id = j.merchant_id and p.id = substring(j.reference from 'transfer:payment:(.*):capture')
           where j.reference like 'transfer:payment:%:capture'
             and (p.id is null or p.status not in ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED'))`,
    ),
  );
  add(
    'capture journal amounts differ from the payment',
    await queryRows(
      db,
      sql`select p.merchant_id, p.id as payment_id,
                 'payment debits ' || p.debit_amount_minor || ' ' || p.debit_currency || ' and credits ' || p.captured_amount_minor || ' ' || p.currency
                 || '; journal debits ' || coalesce(src.amount, 0) || ' and credits ' || coalesce(dst.amount, 0) as detail
            from payments.payments p
            join wallet.journals j on j.merchant_id = p.merchant_id and j.reference = 'transfer:payment:' || p.id || ':capture'
            left join lateral (select -sum(e.amount_minor) as amount from wallet.entries e
                                where e.journal_id = j.id and e.account_id = p.source_account and e.currency = p.debit_currency) src on true
            left join lateral (select sum(e.amount_minor) as amount from wallet.entries e
                                where e.journal_id = j.id and e.account_id = p.destination_account and e.currency = p.currency) dst on true
           where coalesce(src.amount, 0) <> p.debit_amount_minor or coalesce(dst.amount, 0) <> p.captured_amount_minor`,
    ),
  );
  add(
    'authorized or pending payment without an active hold',
    await queryRows(
      db,
      sql`select p.merchant_id, p.id as payment_id, 'status ' || p.status as detail
            from payments.payments p
           where p.status in ('AUTHORIZED', 'PENDING')
             and not exists (select 1 from wallet.holds h
                              where h.merchant_id = p.merchant_id and h.reference = 'payment:' || p.id || ':hold' and h.status = 'active')`,
    ),
  );
  add(
    'active payment hold without an authorized or pending payment',
    await queryRows(
      db,
      sql`select h.merchant_id, substring(h.reference from 'payment:(.*):hold') as payment_id,
                 coalesce('payment is ' || p.status, 'no such payment') as detail
            from wallet.holds h
            left join payments.payments p on p.merchant_id = h.merchant_id and p.id = substring(h.reference from 'payment:(.*):hold')
           where h.reference like 'payment:%:hold' and h.status = 'active'
             and (p.id is null or p.status not in ('AUTHORIZED', 'PENDING', 'PROCESSING'))`,
    ),
  );
  add(
    'succeeded refund without its reversal journal',
    await queryRows(
      db,
      sql`select r.merchant_id, r.payment_id, 'refund ' || r.id as detail
            from payments.refunds r
           where r.status = 'succeeded'
             and not exists (select 1 from wallet.journals j
                              where j.merchant_id = r.merchant_id and j.reference = 'reversal:payment:' || r.payment_id || ':capture:refund:' || r.id)`,
    ),
  );
  add(
    'refunded amount differs from the succeeded refunds',
    await queryRows(
      db,
      sql`select p.merchant_id, p.id as payment_id, 'payment says ' || p.refunded_amount_minor || ', refunds sum to ' || coalesce(r.total, 0) as detail
            from payments.payments p
            left join (select merchant_id, payment_id, sum(amount_minor) as total from payments.refunds where status = 'succeeded'
                        group by merchant_id, payment_id) r on r.merchant_id = p.merchant_id and r.payment_id = p.id
           where p.refunded_amount_minor <> coalesce(r.total, 0)`,
    ),
  );
  const [counts] = await queryRows<{ payments: number; journals: number; holds: number }>(
    db,
    sql`select (select count(*) from payments.payments)::int as payments,
               (select count(*) from wallet.journals where reference like 'transfer:payment:%:capture')::int as journals,
               (select count(*) from wallet.holds where reference like 'payment:%:hold')::int as holds`,
  );
  return {
    ok: mismatches.length === 0,
    checked: { payments: counts.payments, capture_journals: counts.journals, payment_holds: counts.holds },
    mismatches,
  };
}
