import { SQL, sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';

/**
 * Checks the ledger's invariants over the whole database (every merchant), framework-free and on
 * either driver: one set-based query per check, all in one read-only snapshot, so a running
 * system can be verified without stopping it (each check sees the same committed state).
 *
 * Wallets keep a balances row per currency; house accounts (ids starting `house:`) have none:
 * their balance is the sum of their entries (DESIGN §4).
 */

export type LedgerCheck =
  | 'journal_balanced'
  | 'journal_has_entries'
  | 'balance_matches_entries'
  | 'running_balance'
  | 'no_negative_balance'
  | 'held_matches_holds'
  | 'house_has_no_balance'
  | 'reversal_within_original';

export interface LedgerViolation {
  check: LedgerCheck;
  merchantId: string;
  detail: string;
}

export interface LedgerReport {
  ok: boolean;
  checked: { merchants: number; journals: number; entries: number; balances: number; holds: number };
  /** Every check that ran, in order, with how many violations it found (all of them, not only those listed). */
  checks: Array<{ check: LedgerCheck; description: string; violations: number }>;
  /** All violations found (`violations` lists at most `maxViolations` of them). */
  violationCount: number;
  violations: LedgerViolation[];
}

export interface VerifyOptions {
  /** How many violations to list at most (default 100); all are counted. */
  maxViolations?: number;
}

const WALLET = sql.raw(`not like 'house:%'`);
const HOUSE = sql.raw(`like 'house:%'`);

/**
 * Each check is a query yielding its violations as (merchant_id, sort_key, detail): one row per
 * violation, in a stable order.
 */
const CHECKS: Array<{ check: LedgerCheck; description: string; query: SQL }> = [
  {
    check: 'journal_balanced',
    description: "every journal's entries sum to zero per currency",
    query: sql`select e.merchant_id, e.journal_id as sort_key,
                      format('journal %s (%s) sums to %s %s, not 0', e.journal_id, coalesce(j.reference, '?'), sum(e.amount_minor), trim(e.currency)) as detail
                 from wallet.entries e left join wallet.journals j on j.id = e.journal_id
                group by e.merchant_id, e.journal_id, j.reference, e.currency
               having sum(e.amount_minor) <> 0`,
  },
  {
    check: 'journal_has_entries',
    description: "no journal without entries; entries belong to their journal's merchant",
    query: sql`select j.merchant_id, j.id as sort_key, format('journal %s (%s, %s) has no entries', j.id, j.reference, j.kind) as detail
                 from wallet.journals j
                where not exists (select 1 from wallet.entries e where e.journal_id = j.id)
               union all
               select e.merchant_id, e.journal_id as sort_key,
                      format('%s entries of journal %s are for merchant %s but the journal is merchant %s''s', count(*), e.journal_id, e.merchant_id, j.merchant_id)
                 from wallet.entries e join wallet.journals j on j.id = e.journal_id
                where e.merchant_id <> j.merchant_id
                group by e.merchant_id, e.journal_id, j.merchant_id`,
  },
  {
    check: 'balance_matches_entries',
    description: "each wallet balance's ledger equals the sum of its entries; every wallet entry has a balance row",
    query: sql`with e as (
                 select merchant_id, account_id, currency, sum(amount_minor) as total, count(*) as n
                   from wallet.entries where account_id ${WALLET}
                  group by merchant_id, account_id, currency
               )
               select coalesce(b.merchant_id, e.merchant_id) as merchant_id, 0::bigint as sort_key,
                      case when b.account_id is null
                           then format('%s %s: %s entries summing to %s but no balances row', e.account_id, trim(e.currency), e.n, e.total)
                           else format('%s %s: ledger %s but its entries sum to %s', b.account_id, trim(b.currency), b.ledger_minor, coalesce(e.total, 0))
                      end as detail
                 from e full join wallet.balances b
                   on b.merchant_id = e.merchant_id and b.account_id = e.account_id and b.currency = e.currency
                where coalesce(b.account_id, e.account_id) ${WALLET}
                  and coalesce(e.total, 0) is distinct from b.ledger_minor`,
  },
  {
    check: 'running_balance',
    description: "each wallet entry's balance_after is the running sum of the wallet's entries (entry-id order)",
    query: sql`select merchant_id, min(id) as sort_key,
                      format('%s %s: %s of %s entries carry a wrong balance_after, first entry %s (balance_after %s, running sum %s)',
                             account_id, trim(currency), count(*) filter (where bad), count(*),
                             min(id) filter (where bad), (array_agg(coalesce(after::text, 'null') order by id) filter (where bad))[1],
                             (array_agg(running order by id) filter (where bad))[1]) as detail
                 from (select merchant_id, account_id, currency, id, balance_after_minor as after,
                              sum(amount_minor) over (partition by merchant_id, account_id, currency order by id) as running,
                              balance_after_minor is distinct from
                                sum(amount_minor) over (partition by merchant_id, account_id, currency order by id) as bad
                         from wallet.entries where account_id ${WALLET}) x
                group by merchant_id, account_id, currency
               having bool_or(bad)`,
  },
  {
    check: 'no_negative_balance',
    description: 'no wallet below zero (ledger < 0 or ledger − held < 0) unless it allows overdraft',
    query: sql`select b.merchant_id, 0::bigint as sort_key,
                      format('%s %s: ledger %s, held %s, available %s (no overdraft)', b.account_id, trim(b.currency),
                             b.ledger_minor, b.held_minor, b.ledger_minor - b.held_minor) as detail
                 from wallet.balances b
                 left join wallet.accounts a on a.merchant_id = b.merchant_id and a.id = b.account_id
                where b.account_id ${WALLET} and not coalesce(a.allow_overdraft, false)
                  and (b.ledger_minor < 0 or b.ledger_minor - b.held_minor < 0)`,
  },
  {
    check: 'held_matches_holds',
    description: 'held equals the sum of active holds per wallet balance; holds are positive; captured holds captured 0 < x ≤ amount',
    query: sql`with h as (
                 select merchant_id, account_id, currency, sum(amount_minor) as total, count(*) as n
                   from wallet.holds where status = 'active'
                  group by merchant_id, account_id, currency
               )
               select coalesce(b.merchant_id, h.merchant_id) as merchant_id, 0::bigint as sort_key,
                      case when b.account_id is null
                           then format('%s %s: %s active holds of %s but no balances row', h.account_id, trim(h.currency), h.n, h.total)
                           else format('%s %s: held %s but active holds sum to %s', b.account_id, trim(b.currency), b.held_minor, coalesce(h.total, 0))
                      end as detail
                 from h full join wallet.balances b
                   on b.merchant_id = h.merchant_id and b.account_id = h.account_id and b.currency = h.currency
                where coalesce(h.total, 0) is distinct from coalesce(b.held_minor, 0)
               union all
               select merchant_id, id as sort_key,
                      format('hold %s (%s) is %s with amount %s and captured %s', id, reference, status, amount_minor, captured_minor)
                 from wallet.holds
                where amount_minor <= 0
                   or status not in ('active', 'captured', 'released', 'expired')
                   or (status = 'captured' and not (captured_minor > 0 and captured_minor <= amount_minor))
                   or (status <> 'captured' and captured_minor <> 0)`,
  },
  {
    check: 'house_has_no_balance',
    description: 'house accounts have no balances rows (their balance is the sum of their entries)',
    query: sql`select b.merchant_id, 0::bigint as sort_key,
                      format('house account %s has a balances row in %s (ledger %s, held %s)', b.account_id, trim(b.currency), b.ledger_minor, b.held_minor) as detail
                 from wallet.balances b
                 left join wallet.accounts a on a.merchant_id = b.merchant_id and a.id = b.account_id
                where b.account_id ${HOUSE} or a.kind = 'house'`,
  },
  {
    check: 'reversal_within_original',
    description: 'reversals reverse a transfer of their merchant and never give back more than it credited, debited or earned',
    query: sql`with rev as (
                 select id, merchant_id, reference, reverses_journal_id as original_id from wallet.journals
                  where reverses_journal_id is not null or kind = 'reversal'
               ),
               orig as (
                 select o.id, o.merchant_id, o.reference, o.kind,
                        min(e.account_id) filter (where e.account_id ${WALLET} and e.amount_minor < 0) as src,
                        min(e.currency) filter (where e.account_id ${WALLET} and e.amount_minor < 0) as src_cur,
                        coalesce(sum(-e.amount_minor) filter (where e.account_id ${WALLET} and e.amount_minor < 0), 0) as debit,
                        min(e.account_id) filter (where e.account_id ${WALLET} and e.amount_minor > 0) as dst,
                        min(e.currency) filter (where e.account_id ${WALLET} and e.amount_minor > 0) as dst_cur,
                        coalesce(sum(e.amount_minor) filter (where e.account_id ${WALLET} and e.amount_minor > 0), 0) as credit,
                        coalesce(sum(e.amount_minor) filter (where e.account_id = 'house:fx_revenue'), 0) as revenue,
                        count(e.id) filter (where e.account_id ${WALLET} and e.amount_minor < 0) as debits,
                        count(e.id) filter (where e.account_id ${WALLET} and e.amount_minor > 0) as credits
                   from wallet.journals o left join wallet.entries e on e.journal_id = o.id
                  where o.id in (select original_id from rev)
                  group by o.id, o.merchant_id, o.reference, o.kind
               ),
               per_rev as (
                 select r.id, r.merchant_id, r.reference, r.original_id,
                        o.id as o_id, o.merchant_id as o_merchant, o.kind as o_kind, o.debits, o.credits,
                        coalesce(sum(-e.amount_minor) filter (where e.account_id = o.dst and e.currency = o.dst_cur), 0) as credit_back,
                        coalesce(sum(e.amount_minor) filter (where e.account_id = o.src and e.currency = o.src_cur), 0) as debit_back,
                        coalesce(sum(-e.amount_minor) filter (where e.account_id = 'house:fx_revenue'), 0) as revenue_back,
                        count(e.id) filter (where e.account_id ${WALLET}
                                             and not (e.account_id = o.dst and e.currency = o.dst_cur and e.amount_minor < 0)
                                             and not (e.account_id = o.src and e.currency = o.src_cur and e.amount_minor >= 0)) as stray
                   from rev r
                   left join orig o on o.id = r.original_id
                   left join wallet.entries e on e.journal_id = r.id
                  group by r.id, r.merchant_id, r.reference, r.original_id, o.id, o.merchant_id, o.kind, o.debits, o.credits
               )
               select merchant_id, id as sort_key,
                      case when o_id is null then format('reversal %s (%s) reverses journal %s, which does not exist', id, reference, coalesce(original_id::text, 'null'))
                           when o_merchant <> merchant_id then format('reversal %s (%s) reverses journal %s of another merchant (%s)', id, reference, o_id, o_merchant)
                           when o_kind not in ('transfer', 'capture') or debits <> 1 or credits <> 1
                             then format('reversal %s (%s) reverses journal %s, a %s, not a transfer', id, reference, o_id, o_kind)
                           else format('reversal %s (%s) of journal %s must take back from the destination and give back to the source: credit back %s, debit back %s, %s other wallet entries',
                                       id, reference, o_id, credit_back, debit_back, stray)
                      end as detail
                 from per_rev
                where o_id is null or o_merchant <> merchant_id or o_kind not in ('transfer', 'capture') or debits <> 1 or credits <> 1
                   or credit_back <= 0 or debit_back < 0 or stray > 0
               union all
               select o.merchant_id, o.id as sort_key,
                      format('journal %s (%s): its %s reversals gave back %s of %s credited (%s), %s of %s debited (%s), %s of %s revenue',
                             o.id, o.reference, count(*), sum(p.credit_back), o.credit, trim(o.dst_cur), sum(p.debit_back), o.debit, trim(o.src_cur),
                             sum(p.revenue_back), o.revenue) as detail
                 from orig o join per_rev p on p.o_id = o.id and p.merchant_id = o.merchant_id
                group by o.id, o.merchant_id, o.reference, o.credit, o.dst_cur, o.debit, o.src_cur, o.revenue
               having sum(p.credit_back) > o.credit or sum(p.debit_back) > o.debit or sum(p.revenue_back) > o.revenue`,
  },
];

export const LEDGER_CHECKS: ReadonlyArray<{ check: LedgerCheck; description: string }> = CHECKS.map(({ check, description }) => ({
  check,
  description,
}));

/** Verifies every ledger invariant over the whole database; never writes. */
export async function verifyLedger(db: Db, opts: VerifyOptions = {}): Promise<LedgerReport> {
  const cap = Math.max(0, Math.floor(opts.maxViolations ?? 100));
  return db.transaction(
    async (tx) => {
      const [counts] = await queryRows<Record<'merchants' | 'journals' | 'entries' | 'balances' | 'holds', string>>(
        tx,
        sql`select (select count(*) from (select merchant_id from wallet.accounts union select merchant_id from wallet.journals) m)::text as merchants,
                   (select count(*) from wallet.journals)::text as journals,
                   (select count(*) from wallet.entries)::text as entries,
                   (select count(*) from wallet.balances)::text as balances,
                   (select count(*) from wallet.holds)::text as holds`,
      );
      const checks: LedgerReport['checks'] = [];
      const violations: LedgerViolation[] = [];
      let violationCount = 0;
      for (const c of CHECKS) {
        const rows = await queryRows<{ merchant_id: string; detail: string; total: string }>(
          tx,
          sql`select merchant_id, detail, count(*) over ()::text as total
                from (${c.query}) v
               order by merchant_id, sort_key, detail
               limit ${cap}`,
        );
        // With `limit 0` no row comes back to carry the total: count separately only then.
        const total = cap > 0 ? Number(rows[0]?.total ?? 0) : await countOf(tx, c.query);
        checks.push({ check: c.check, description: c.description, violations: total });
        violationCount += total;
        for (const r of rows) {
          if (violations.length < cap) violations.push({ check: c.check, merchantId: r.merchant_id, detail: r.detail });
        }
      }
      return {
        ok: violationCount === 0,
        checked: {
          merchants: Number(counts.merchants),
          journals: Number(counts.journals),
          entries: Number(counts.entries),
          balances: Number(counts.balances),
          holds: Number(counts.holds),
        },
        checks,
        violationCount,
        violations,
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function countOf(db: Db, query: SQL): Promise<number> {
  const [row] = await queryRows<{ n: string }>(db, sql`select count(*)::text as n from (${query}) v`);
  return Number(row.n);
}
