import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { DEMO_NAMED_WALLETS, DEMO_RANGES, DemoRange, DemoWallet, demoAccountId } from '@paygate/contracts';
import { Db, openDatabase, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, TestDatabase, openServiceTestDb } from '@paygate/testing';
import { DEMO_OPENING_REFERENCE, DemoPlan, seedDemoWallets } from './demo-seed';
import { SETTLEMENT_ACCOUNT } from '../domain/ledger';

const FULL: DemoPlan = { named: DEMO_NAMED_WALLETS, ranges: DEMO_RANGES };
const SMALL: DemoPlan = { named: DEMO_NAMED_WALLETS, ranges: DEMO_RANGES.map((r) => ({ ...r, count: 50 })) };
const walletsIn = (plan: DemoPlan) => plan.named.length + plan.ranges.reduce((n, r) => n + r.count, 0);
const fundsIn = (plan: DemoPlan) =>
  plan.named.reduce((n, w) => n + w.funds.length, 0) + plan.ranges.reduce((n, r) => n + r.count * r.funds.length, 0);

/** Per currency, what the plan credits in total (minus a few skipped wallets' funds). */
function planTotals(plan: DemoPlan, skip: ReadonlySet<string> = new Set()): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  const add = (id: string, funds: DemoWallet['funds']) => {
    if (skip.has(id)) return;
    for (const f of funds) totals.set(f.currency, (totals.get(f.currency) ?? 0n) + f.minor);
  };
  for (const w of plan.named) add(w.accountId, w.funds);
  for (const r of plan.ranges) for (let n = 0; n < r.count; n += 1) add(demoAccountId(r, n), r.funds);
  return totals;
}

const merchant = (label: string) => `m_${label}_${randomBytes(3).toString('hex')}`;

/** A wallet's balances rows; a house account (no balances rows) as the per-currency sum of its entries. */
async function balancesOf(db: Db, merchantId: string, accountId: string): Promise<Record<string, string>> {
  if (accountId.startsWith('house:')) {
    const sums = await queryRows<{ currency: string; total: string }>(
      db,
      sql`select currency, sum(amount_minor)::text as total from wallet.entries
          where merchant_id = ${merchantId} and account_id = ${accountId} group by currency order by currency`,
    );
    return Object.fromEntries(sums.map((r) => [r.currency, r.total]));
  }
  const rows = await queryRows<{ currency: string; ledger: string; held: string }>(
    db,
    sql`select currency, ledger_minor::text as ledger, held_minor::text as held from wallet.balances
        where merchant_id = ${merchantId} and account_id = ${accountId} order by currency`,
  );
  for (const r of rows) expect(r.held).toBe('0');
  return Object.fromEntries(rows.map((r) => [r.currency, r.ledger]));
}

const fundsRecord = (funds: DemoWallet['funds']) => Object.fromEntries(funds.map((f) => [f.currency, f.minor.toString()]));

/**
 * Ledger invariants for one merchant: journals balanced per currency, no balances row for a house
 * account, every wallet balance = sum of its entries.
 */
async function expectLedgerConsistent(db: Db, merchantId: string): Promise<void> {
  const unbalanced = await queryRows(
    db,
    sql`select journal_id, currency, sum(amount_minor)::text from wallet.entries where merchant_id = ${merchantId}
        group by journal_id, currency having sum(amount_minor) <> 0`,
  );
  expect(unbalanced).toEqual([]);
  const houseRows = await queryRows(
    db,
    sql`select b.account_id, b.currency, b.ledger_minor::text as ledger from wallet.balances b
        left join wallet.accounts a on a.merchant_id = b.merchant_id and a.id = b.account_id
        where b.merchant_id = ${merchantId} and (b.account_id like 'house:%' or a.kind = 'house')`,
  );
  expect(houseRows).toEqual([]);
  const mismatched = await queryRows(
    db,
    sql`with e as (
          select account_id, currency, sum(amount_minor) as total from wallet.entries
          where merchant_id = ${merchantId} and account_id not like 'house:%' group by account_id, currency
        ), b as (
          select account_id, currency, ledger_minor from wallet.balances where merchant_id = ${merchantId}
        )
        select coalesce(e.account_id, b.account_id) as account_id, coalesce(e.currency, b.currency) as currency,
               e.total::text as entries, b.ledger_minor::text as ledger
        from e full join b on b.account_id = e.account_id and b.currency = e.currency
        where e.total is distinct from b.ledger_minor
        limit 5`,
  );
  expect(mismatched).toEqual([]);
  const badAfter = await queryRows(
    db,
    sql`select e.account_id from wallet.entries e join wallet.journals j on j.id = e.journal_id
        where j.merchant_id = ${merchantId} and j.reference = ${DEMO_OPENING_REFERENCE}
          and case when e.account_id = ${SETTLEMENT_ACCOUNT}
                   then e.balance_after_minor is not null or e.amount_minor >= 0
                   else e.balance_after_minor is distinct from e.amount_minor or e.amount_minor <= 0 end
        limit 5`,
  );
  expect(badAfter).toEqual([]);
}

/** Everything the seed writes for a merchant, reduced to a comparable fingerprint. */
async function snapshot(db: Db, merchantId: string) {
  const [row] = await queryRows<Record<string, string>>(
    db,
    sql`select
          (select count(*) from wallet.accounts where merchant_id = ${merchantId})::text as accounts,
          (select count(*) from wallet.journals where merchant_id = ${merchantId})::text as journals,
          (select count(*) from wallet.entries where merchant_id = ${merchantId})::text as entries,
          (select count(*) from wallet.balances where merchant_id = ${merchantId})::text as balances,
          (select coalesce(sum(ledger_minor), 0)::text from wallet.balances
            where merchant_id = ${merchantId} and account_id <> ${SETTLEMENT_ACCOUNT}) as wallet_ledger,
          (select string_agg(currency || '=' || total::text, ',' order by currency)
            from (select currency, sum(amount_minor) as total from wallet.entries
                  where merchant_id = ${merchantId} and account_id = ${SETTLEMENT_ACCOUNT} group by currency) h) as house`,
  );
  return row;
}

async function countWallets(db: Db, merchantId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from wallet.accounts where merchant_id = ${merchantId} and kind = 'wallet'`,
  );
  return Number(row.n);
}

async function houseBalances(db: Db, merchantId: string): Promise<Record<string, string>> {
  return balancesOf(db, merchantId, SETTLEMENT_ACCOUNT);
}

const negated = (totals: Map<string, bigint>, base: Record<string, bigint> = {}) => {
  const out: Record<string, string> = {};
  for (const cur of new Set([...totals.keys(), ...Object.keys(base)])) {
    out[cur] = ((base[cur] ?? 0n) - (totals.get(cur) ?? 0n)).toString();
  }
  return out;
};

describe.each<Driver>(DRIVERS)('seedDemoWallets on %s', (driver) => {
  let testDb: TestDatabase | undefined;
  let t: ServiceTestDb;
  let db: Db;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'wallet', { poolSize: 5 });
    ({ db, testDb } = t);
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  it('seeds the full default plan: 20,003 funded wallets in one balanced journal', async () => {
    const m = merchant('full');
    const result = await seedDemoWallets(db, m);
    console.log(`full demo seed on ${driver}: ${result.accounts} wallets, ${fundsIn(FULL)} balances in ${result.ms} ms`);
    expect(result).toEqual({ seeded: true, accounts: 20_003, ms: expect.any(Number) });
    expect(walletsIn(FULL)).toBe(20_003);

    expect(await countWallets(db, m)).toBe(20_003);
    const [house] = await queryRows<{ kind: string; allow_overdraft: boolean; default_currency: string }>(
      db,
      sql`select kind, allow_overdraft, default_currency from wallet.accounts where merchant_id = ${m} and id = ${SETTLEMENT_ACCOUNT}`,
    );
    expect(house).toEqual({ kind: 'house', allow_overdraft: true, default_currency: 'EUR' });

    const journals = await queryRows<{ kind: string; reference: string }>(
      db,
      sql`select kind, reference from wallet.journals where merchant_id = ${m}`,
    );
    expect(journals).toEqual([{ kind: 'deposit', reference: DEMO_OPENING_REFERENCE }]);
    const [counts] = await queryRows<{ entries: number; balances: number }>(
      db,
      sql`select (select count(*) from wallet.entries where merchant_id = ${m})::int as entries,
                 (select count(*) from wallet.balances where merchant_id = ${m})::int as balances`,
    );
    const currencies = planTotals(FULL).size;
    // One entry per wallet funding plus one house entry per currency; balances rows for the wallets only.
    expect(Number(counts.entries)).toBe(fundsIn(FULL) + currencies);
    expect(Number(counts.balances)).toBe(fundsIn(FULL));

    await expectLedgerConsistent(db, m);
    const [src, dst] = DEMO_RANGES;
    expect(await balancesOf(db, m, 'ACC_SRC_0000')).toEqual(fundsRecord(src.funds));
    expect(await balancesOf(db, m, 'ACC_DST_9999')).toEqual(fundsRecord(dst.funds));
    expect(await balancesOf(db, m, 'ACC_SRC_10000')).toEqual({});
    for (const w of DEMO_NAMED_WALLETS) expect(await balancesOf(db, m, w.accountId)).toEqual(fundsRecord(w.funds));
    expect(await houseBalances(db, m)).toEqual(negated(planTotals(FULL)));
    const [defaults] = await queryRows<{ src: string; dst: string }>(
      db,
      sql`select (select default_currency from wallet.accounts where merchant_id = ${m} and id = 'ACC_SRC_4242') as src,
                 (select default_currency from wallet.accounts where merchant_id = ${m} and id = 'ACC_DST_4242') as dst`,
    );
    expect(defaults).toEqual({ src: src.defaultCurrency, dst: dst.defaultCurrency });
  }, 120_000);

  it('is idempotent: a second seed finds the opening journal and touches nothing', async () => {
    const m = merchant('twice');
    const first = await seedDemoWallets(db, m, SMALL);
    expect(first).toMatchObject({ seeded: true, accounts: walletsIn(SMALL) });
    const before = await snapshot(db, m);
    const second = await seedDemoWallets(db, m, SMALL);
    expect(second).toMatchObject({ seeded: false, accounts: 0 });
    expect(await snapshot(db, m)).toEqual(before);
    await expectLedgerConsistent(db, m);
  }, 60_000);

  it('skips a wallet that already exists (not double-funded) and adds to existing house balances', async () => {
    const m = merchant('skip');
    // A user's wallet with its own history, and earlier activity on the house account (entries only:
    // house accounts have no balances rows).
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m}, ${SETTLEMENT_ACCOUNT}, 'house', 'EUR', true), (${m}, 'ACC_SRC_0003', 'wallet', 'GBP', false)`);
      const [j] = await queryRows<{ id: string }>(
        tx,
        sql`insert into wallet.journals (merchant_id, kind, reference) values (${m}, 'deposit', 'user:1') returning id::text as id`,
      );
      await tx.execute(sql`insert into wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
                           values (${j.id}::bigint, ${m}, ${SETTLEMENT_ACCOUNT}, 'USD', -700, null),
                                  (${j.id}::bigint, ${m}, 'ACC_SRC_0003', 'USD', 700, 700)`);
      await tx.execute(sql`insert into wallet.balances (merchant_id, account_id, currency, ledger_minor)
                           values (${m}, 'ACC_SRC_0003', 'USD', 700)`);
    });

    const result = await seedDemoWallets(db, m, SMALL);
    expect(result).toMatchObject({ seeded: true, accounts: walletsIn(SMALL) - 1 });
    expect(await countWallets(db, m)).toBe(walletsIn(SMALL));
    expect(await balancesOf(db, m, 'ACC_SRC_0003')).toEqual({ USD: '700' });
    const [acc] = await queryRows<{ default_currency: string }>(
      db,
      sql`select default_currency from wallet.accounts where merchant_id = ${m} and id = 'ACC_SRC_0003'`,
    );
    expect(acc.default_currency).toBe('GBP');
    expect(await balancesOf(db, m, 'ACC_SRC_0004')).toEqual(fundsRecord(SMALL.ranges[0].funds));
    // The house total is the sum of its entries: the earlier -700 USD plus the seed's debits.
    expect(await houseBalances(db, m)).toEqual(negated(planTotals(SMALL, new Set(['ACC_SRC_0003'])), { USD: -700n }));
    await expectLedgerConsistent(db, m);
  }, 60_000);

  it('lets exactly one of two concurrent seeds through', async () => {
    const m = merchant('race');
    // On PostgreSQL: two pools, as two replicas would have. PGlite is one connection per process.
    const other = driver === 'postgres' && testDb ? openDatabase({ url: testDb.url, pgliteDir: '', poolSize: 5 }) : undefined;
    try {
      const results = await Promise.all([seedDemoWallets(db, m, SMALL), seedDemoWallets(other?.db ?? db, m, SMALL)]);
      expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);
      expect(results.map((r) => r.accounts).sort((a, b) => a - b)).toEqual([0, walletsIn(SMALL)]);
    } finally {
      await other?.close();
    }
    expect(await countWallets(db, m)).toBe(walletsIn(SMALL));
    const [counts] = await queryRows<{ journals: number; wallet_ledger: string }>(
      db,
      sql`select (select count(*) from wallet.journals where merchant_id = ${m})::int as journals,
                 (select sum(ledger_minor)::text from wallet.balances where merchant_id = ${m} and account_id <> ${SETTLEMENT_ACCOUNT}) as wallet_ledger`,
    );
    expect(Number(counts.journals)).toBe(1);
    const total = [...planTotals(SMALL).values()].reduce((a, b) => a + b, 0n);
    expect(counts.wallet_ledger).toBe(total.toString());
    expect(await houseBalances(db, m)).toEqual(negated(planTotals(SMALL)));
    expect(await balancesOf(db, m, 'ACC_SRC_0000')).toEqual(fundsRecord(SMALL.ranges[0].funds));
    await expectLedgerConsistent(db, m);
  }, 60_000);

  it('rejects an inconsistent plan before touching the database', async () => {
    const m = merchant('bad');
    const dup: DemoRange = { ...DEMO_RANGES[0], count: 2 };
    await expect(seedDemoWallets(db, m, { named: [], ranges: [dup, dup] })).rejects.toThrow(/appears twice/);
    await expect(
      seedDemoWallets(db, m, {
        named: [{ accountId: 'X', defaultCurrency: 'USD', funds: [{ currency: 'USD', minor: 0n }] }],
        ranges: [],
      }),
    ).rejects.toThrow(/positive/);
    expect(await snapshot(db, m)).toMatchObject({ accounts: '0', journals: '0' });
  });
});
