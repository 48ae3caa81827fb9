import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { DEMO_NAMED_WALLETS, DEMO_RANGES, DemoRange, DemoWallet, demoAccountId } from '@paygate/contracts';
import { Db, queryRows } from '@paygate/database';
import { SETTLEMENT_ACCOUNT } from '../domain/ledger';

/** The one journal that funds every demo wallet; its insertion is the seed's claim (unique per merchant). */
export const DEMO_OPENING_REFERENCE = 'opening:demo';

export interface DemoPlan {
  named: readonly DemoWallet[];
  ranges: readonly DemoRange[];
}

export interface DemoSeedResult {
  /** False when the opening journal already existed: nothing was touched. */
  seeded: boolean;
  /** Wallets this call created (plan wallets that already existed are skipped). */
  accounts: number;
  ms: number;
}

const CURRENCY = /^[A-Z]{3}$/;

/** Flat arrays bound as single array parameters: a handful of statements whatever the plan's size. */
interface PlanArrays {
  namedGroup: number[];
  namedId: string[];
  namedCurrency: string[];
  rangeGroup: number[];
  rangePrefix: string[];
  rangeCount: number[];
  rangeWidth: number[];
  rangeCurrency: string[];
  fundGroup: number[];
  fundCurrency: string[];
  /** Decimal strings: amounts never pass through JS numbers. */
  fundMinor: string[];
}

/** Checks the plan (one wallet id once, one currency once per wallet, positive amounts) and flattens it. */
function flatten(plan: DemoPlan): PlanArrays {
  const a: PlanArrays = {
    namedGroup: [],
    namedId: [],
    namedCurrency: [],
    rangeGroup: [],
    rangePrefix: [],
    rangeCount: [],
    rangeWidth: [],
    rangeCurrency: [],
    fundGroup: [],
    fundCurrency: [],
    fundMinor: [],
  };
  const ids = new Set<string>([SETTLEMENT_ACCOUNT]);
  const useId = (id: string) => {
    if (ids.has(id)) throw new Error(`demo plan: account ${id} appears twice (or is the house account)`);
    ids.add(id);
  };
  const addFunds = (group: number, what: string, defaultCurrency: string, funds: DemoWallet['funds']) => {
    if (!CURRENCY.test(defaultCurrency)) throw new Error(`demo plan: ${what}: bad default currency ${defaultCurrency}`);
    const seen = new Set<string>();
    for (const f of funds) {
      if (!CURRENCY.test(f.currency)) throw new Error(`demo plan: ${what}: bad currency ${f.currency}`);
      if (seen.has(f.currency)) throw new Error(`demo plan: ${what}: ${f.currency} funded twice`);
      if (typeof f.minor !== 'bigint' || f.minor <= 0n) throw new Error(`demo plan: ${what}: amount must be a positive bigint`);
      seen.add(f.currency);
      a.fundGroup.push(group);
      a.fundCurrency.push(f.currency);
      a.fundMinor.push(f.minor.toString());
    }
  };
  let group = 0;
  for (const w of plan.named) {
    group += 1;
    useId(w.accountId);
    addFunds(group, w.accountId, w.defaultCurrency, w.funds);
    a.namedGroup.push(group);
    a.namedId.push(w.accountId);
    a.namedCurrency.push(w.defaultCurrency);
  }
  for (const r of plan.ranges) {
    group += 1;
    if (!Number.isSafeInteger(r.count) || r.count < 0 || r.count > 10_000_000) throw new Error(`demo plan: ${r.prefix}: bad count`);
    if (!Number.isSafeInteger(r.width) || r.width < 0 || r.width > 32) throw new Error(`demo plan: ${r.prefix}: bad width`);
    for (let n = 0; n < r.count; n += 1) useId(demoAccountId(r, n));
    addFunds(group, r.prefix, r.defaultCurrency, r.funds);
    a.rangeGroup.push(group);
    a.rangePrefix.push(r.prefix);
    a.rangeCount.push(r.count);
    a.rangeWidth.push(r.width);
    a.rangeCurrency.push(r.defaultCurrency);
  }
  return a;
}

/**
 * Seeds the demo merchant's wallets in one transaction of four set-based statements, however many
 * wallets the plan has: one journal (`opening:demo`) credits every (wallet, currency) and debits
 * the house settlement account once per currency, so it sums to zero per currency.
 *
 * Idempotent and safe for replicas starting together: inserting the journal is the claim. A second
 * transaction blocks on the journal's unique index until the first commits, then finds the conflict
 * and returns `seeded: false` without touching anything. Plan wallets that already exist (opened by
 * a user, say) are skipped, neither created nor funded, and the journal stays balanced.
 */
export async function seedDemoWallets(
  db: Db,
  merchantId: string,
  plan: DemoPlan = { named: DEMO_NAMED_WALLETS, ranges: DEMO_RANGES },
): Promise<DemoSeedResult> {
  const started = performance.now();
  if (!merchantId) throw new Error('seedDemoWallets: merchantId is required');
  const p = flatten(plan);

  const result = await db.transaction(async (tx) => {
    const claim = await queryRows<{ id: string }>(
      tx,
      sql`
        insert into wallet.journals (merchant_id, kind, reference)
        values (${merchantId}, 'deposit', ${DEMO_OPENING_REFERENCE})
        on conflict (merchant_id, reference) do nothing
        returning id::text as id`,
    );
    if (claim.length === 0) return { seeded: false, accounts: 0 };
    const journalId = claim[0].id;

    await tx.execute(sql`
      insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
      values (${merchantId}, ${SETTLEMENT_ACCOUNT}, 'house', 'EUR', true)
      on conflict (merchant_id, id) do nothing`);

    // Every data-modifying CTE runs exactly once, whether or not the final select reads it; they
    // share one snapshot, so what `opened` returns (wallets actually created) drives the rest.
    const rows = await queryRows<{ accounts: number }>(
      tx,
      sql`
        with planned as (
          select w.grp, w.account_id, w.default_currency
          from unnest(
            ${sql.param(p.namedGroup)}::int[],
            ${sql.param(p.namedId)}::text[],
            ${sql.param(p.namedCurrency)}::text[]
          ) as w(grp, account_id, default_currency)
          union all
          select r.grp, r.prefix || lpad(s.n::text, greatest(r.width, length(s.n::text)), '0'), r.default_currency
          from unnest(
            ${sql.param(p.rangeGroup)}::int[],
            ${sql.param(p.rangePrefix)}::text[],
            ${sql.param(p.rangeCount)}::int[],
            ${sql.param(p.rangeWidth)}::int[],
            ${sql.param(p.rangeCurrency)}::text[]
          ) as r(grp, prefix, count, width, default_currency)
          cross join lateral generate_series(0, r.count - 1) as s(n)
        ),
        funds as (
          select f.grp, f.currency, f.minor
          from unnest(
            ${sql.param(p.fundGroup)}::int[],
            ${sql.param(p.fundCurrency)}::text[],
            ${sql.param(p.fundMinor)}::text[]::bigint[]
          ) as f(grp, currency, minor)
        ),
        opened as (
          insert into wallet.accounts (merchant_id, id, kind, default_currency)
          select ${merchantId}, account_id, 'wallet', default_currency from planned order by account_id
          on conflict (merchant_id, id) do nothing
          returning id
        ),
        credits as (
          select p.account_id, f.currency, f.minor
          from opened o
          join planned p on p.account_id = o.id
          join funds f on f.grp = p.grp
        ),
        debits as (
          select currency, (-sum(minor))::bigint as minor from credits group by currency
        ),
        wallet_balances as (
          insert into wallet.balances (merchant_id, account_id, currency, ledger_minor, held_minor)
          select ${merchantId}, account_id, currency, minor, 0 from credits order by account_id, currency
        ),
        journal_entries as (
          insert into wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
          select ${journalId}::bigint, ${merchantId}, e.account_id, e.currency, e.minor, e.balance_after
          from (
            select 0 as house_last, account_id, currency, minor, minor as balance_after from credits
            union all
            select 1, ${SETTLEMENT_ACCOUNT}, currency, minor, null::bigint from debits
          ) as e
          order by e.house_last, e.account_id, e.currency
        )
        select (select count(*) from opened)::int as accounts`,
    );
    return { seeded: true, accounts: Number(rows[0].accounts) };
  });

  return { ...result, ms: Math.round(performance.now() - started) };
}
