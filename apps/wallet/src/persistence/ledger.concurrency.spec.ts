import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { Db, onTransactionRetry, queryRows, sqlStateOf } from '@paygate/database';
import { ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { FX_ACCOUNT, FX_REVENUE_ACCOUNT, Movement, SETTLEMENT_ACCOUNT } from '../domain/ledger';
import { verifyLedger } from './ledger-verify';
import { LedgerRefused, LedgerRepository, PostedJournal } from './ledger.repository';

/**
 * The ledger under real concurrency (PostgreSQL only: PGlite has one connection): thousands of
 * transfers among ten wallets in two currencies, both directions, cross-currency with FX revenue,
 * deliberate overdrafts and concurrent duplicates of every reference, while a "foreign" job (an
 * administrative task, say) locks the same balance rows in the opposite order, so that PostgreSQL
 * has deadlocks to break. The ledger must retry its victims and end exactly consistent.
 */

const POOL = 60;
const WORKERS = 50;
const TRANSFERS = 2_000;
const FUNDING = 100_000n;
const CURRENCIES = ['USD', 'EUR'] as const;
/** Upper- and lowercase ids sort on both sides of "house:…", so lock order is exercised across them. */
const WALLETS = ['ACC_0', 'ACC_1', 'ACC_2', 'ACC_3', 'ACC_4', 'w_5', 'w_6', 'w_7', 'zz_8', 'zz_9'];

/** A small seeded PRNG (mulberry32): the same seed gives the same workload. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Planned {
  reference: string;
  m: Movement;
  /** More than exists in the debit currency: must be refused, every time. */
  overdraw: boolean;
  copies: number;
}

type Result = { ok: PostedJournal } | { refused: LedgerRefused } | { error: unknown };

describe('ledger under concurrency (postgres)', () => {
  let t: ServiceTestDb;
  let db: Db;
  let ledger: LedgerRepository;
  const m = `m_conc_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    t = await openServiceTestDb('postgres', 'wallet', {
      poolSize: POOL,
      beforeMigrate: async (pg) => {
        // Break deadlocks quickly (default 1 s) so the foreign job's deadlocks cost little time.
        const admin = new Client({ connectionString: pg.url });
        await admin.connect();
        try {
          await admin.query(`alter database ${pg.name} set deadlock_timeout = '20ms'`);
        } finally {
          await admin.end();
        }
      },
    });
    db = t.db;
    ledger = new LedgerRepository(db);
    for (const w of WALLETS) {
      await ledger.createAccount(m, { accountId: w, currencies: [...CURRENCIES], defaultCurrency: 'USD', allowOverdraft: false });
      for (const c of CURRENCIES) await ledger.deposit(m, `fund-${w}-${c}`, w, c, FUNDING);
    }
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  it(`${TRANSFERS} transfers × 2–4 concurrent copies on ${WORKERS} workers (pool ${POOL}) beside a job locking rows in reverse order: deadlocks retried, every reference posted at most once, totals exact`, async () => {
    const seed = Number(process.env.LEDGER_CONC_SEED ?? 20_240_601);
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    const initialPerCurrency = FUNDING * BigInt(WALLETS.length);

    // The workload: every ordered pair in both directions, about a third cross-currency (some with
    // FX revenue), one in twenty more than exists, each reference sent 2–4 times.
    const plan: Planned[] = [];
    for (let i = 0; i < TRANSFERS; i++) {
      const src = WALLETS[i % WALLETS.length];
      const dst = pick(WALLETS.filter((w) => w !== src));
      const debitCur = pick(CURRENCIES);
      const cross = rnd() < 0.35;
      const creditCur = cross ? CURRENCIES.find((c) => c !== debitCur)! : debitCur;
      const overdraw = rnd() < 0.05;
      const debit = overdraw ? initialPerCurrency + 1n + BigInt(Math.floor(rnd() * 1_000)) : BigInt(1 + Math.floor(rnd() * 6_000));
      const credit = cross ? (debit * BigInt(85 + Math.floor(rnd() * 30))) / 100n + 1n : debit;
      const revenue = cross && rnd() < 0.6 ? debit / 200n : 0n;
      plan.push({
        reference: `c-${i}`,
        m: {
          sourceAccount: src,
          destinationAccount: dst,
          debit: { currency: debitCur, minor: debit },
          credit: { currency: creditCur, minor: credit },
          ...(revenue > 0n && { revenue: { currency: debitCur, minor: revenue } }),
        },
        overdraw,
        copies: 2 + Math.floor(rnd() * 3),
      });
    }
    expect(new Set(plan.map((p) => `${p.m.sourceAccount}>${p.m.destinationAccount}`)).size).toBe(WALLETS.length * (WALLETS.length - 1));
    // Shuffle the references; the copies of one stay adjacent in the queue, so they are in flight together.
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    const queue = plan.flatMap((p) => Array.from({ length: p.copies }, () => p));

    const retries = new Map<string, number>();
    const unobserve = onTransactionRetry((state) => retries.set(state, (retries.get(state) ?? 0) + 1));
    const results = new Map<string, Result[]>(plan.map((p) => [p.reference, []]));
    const foreign = { jobs: 0, deadlockVictims: 0, otherErrors: [] as string[] };
    let done = false;

    /** The foreign job: locks two wallets' balance rows in descending order, pausing between them. */
    async function foreignJob(worker: number): Promise<void> {
      const r = prng(seed + 1 + worker);
      while (!done) {
        const [a, b] = [WALLETS[Math.floor(r() * WALLETS.length)], WALLETS[Math.floor(r() * WALLETS.length)]];
        if (a === b) continue;
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const currency = CURRENCIES[Math.floor(r() * CURRENCIES.length)];
        try {
          await db.transaction(async (tx) => {
            await tx.execute(sql`select ledger_minor from wallet.balances
                where merchant_id = ${m} and account_id = ${hi} and currency = ${currency} for update`);
            await sleep(3);
            await tx.execute(sql`select ledger_minor from wallet.balances
                where merchant_id = ${m} and account_id = ${lo} and currency = ${currency} for update`);
          });
          foreign.jobs += 1;
        } catch (e) {
          if (sqlStateOf(e) === '40P01') foreign.deadlockVictims += 1;
          else foreign.otherErrors.push(String(e));
        }
        await sleep(2 + Math.floor(r() * 4));
      }
    }

    const started = Date.now();
    let next = 0;
    const ledgerWorkers = Array.from({ length: WORKERS }, async () => {
      while (next < queue.length) {
        const p = queue[next++];
        let r: Result;
        try {
          r = { ok: await ledger.transfer(m, p.reference, p.m) };
        } catch (e) {
          r = e instanceof LedgerRefused ? { refused: e } : { error: e };
        }
        results.get(p.reference)!.push(r);
      }
    });
    const foreignWorkers = [0, 1].map(foreignJob);
    try {
      await Promise.all(ledgerWorkers);
    } finally {
      done = true;
      await Promise.all(foreignWorkers);
      unobserve();
    }
    const elapsed = Date.now() - started;

    // No raw error escaped: each call posted (or replayed) or was refused for a business reason.
    const raw = [...results.values()].flat().flatMap((r) => ('error' in r ? [`${sqlStateOf(r.error) ?? '-'} ${String(r.error)}`] : []));
    expect(raw).toEqual([]);
    const refusals = [...results.values()].flat().flatMap((r) => ('refused' in r ? [r.refused.refusal.kind] : []));
    expect([...new Set(refusals)]).toEqual(['INSUFFICIENT_FUNDS']);

    // The deadlock path ran: PostgreSQL broke deadlocks, and the ledger retried its victims.
    expect(retries.get('40P01') ?? 0).toBeGreaterThanOrEqual(1);
    expect(foreign.otherErrors).toEqual([]);

    // Each reference: at most one call posted it; every other success is a replay of that journal.
    const posted = new Map<string, Planned>();
    for (const p of plan) {
      const rs = results.get(p.reference)!;
      expect(rs).toHaveLength(p.copies);
      const oks = rs.flatMap((r) => ('ok' in r ? [r.ok] : []));
      expect(oks.filter((o) => !o.replayed).length).toBe(oks.length > 0 ? 1 : 0);
      expect(new Set(oks.map((o) => o.journalId)).size).toBeLessThanOrEqual(1);
      if (p.overdraw) expect(oks).toEqual([]);
      if (oks.length > 0) posted.set(p.reference, p);
    }
    const journals = await queryRows<{ reference: string; n: number }>(
      db,
      sql`select reference, count(*)::int as n from wallet.journals where merchant_id = ${m} and kind = 'transfer' group by reference`,
    );
    expect(journals.filter((j) => j.n !== 1)).toEqual([]);
    expect(journals.map((j) => j.reference).sort()).toEqual([...posted.keys()].map((r) => `transfer:${r}`).sort());
    expect(posted.size).toBeGreaterThan(TRANSFERS / 2);
    expect(posted.size).toBeLessThan(TRANSFERS);

    // Every wallet ends at its funding plus exactly the posted transfers: refused ones moved nothing.
    const want = new Map<string, bigint>();
    for (const w of WALLETS) for (const c of CURRENCIES) want.set(`${w}|${c}`, FUNDING);
    for (const p of posted.values()) {
      want.set(`${p.m.sourceAccount}|${p.m.debit.currency}`, want.get(`${p.m.sourceAccount}|${p.m.debit.currency}`)! - p.m.debit.minor);
      want.set(
        `${p.m.destinationAccount}|${p.m.credit.currency}`,
        want.get(`${p.m.destinationAccount}|${p.m.credit.currency}`)! + p.m.credit.minor,
      );
    }
    const balances = await queryRows<{ account_id: string; currency: string; ledger: string; held: string }>(
      db,
      sql`select account_id, currency, ledger_minor::text as ledger, held_minor::text as held from wallet.balances where merchant_id = ${m}`,
    );
    expect(Object.fromEntries(balances.map((b) => [`${b.account_id}|${b.currency}`, BigInt(b.ledger)]))).toEqual(Object.fromEntries(want));
    // No wallet below zero.
    expect(balances.filter((b) => BigInt(b.ledger) < 0n || BigInt(b.ledger) - BigInt(b.held) < 0n)).toEqual([]);

    // Per currency everything sums to zero, house accounts included; the wallets plus the FX desk
    // and its revenue still hold exactly what was deposited.
    const totals = await queryRows<{ currency: string; account: string; total: string }>(
      db,
      sql`select currency, case when account_id like 'house:%' then account_id else 'wallets' end as account, sum(amount_minor)::text as total
            from wallet.entries where merchant_id = ${m} group by 1, 2 order by 1, 2`,
    );
    for (const c of CURRENCIES) {
      const of = (account: string) => BigInt(totals.find((r) => r.currency === c && r.account === account)?.total ?? '0');
      expect(of('wallets') + of(FX_ACCOUNT) + of(FX_REVENUE_ACCOUNT) + of(SETTLEMENT_ACCOUNT)).toBe(0n);
      expect(of(SETTLEMENT_ACCOUNT)).toBe(-initialPerCurrency);
      expect(of('wallets') + of(FX_ACCOUNT) + of(FX_REVENUE_ACCOUNT)).toBe(initialPerCurrency);
    }
    const [fxRevenue] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from wallet.entries where merchant_id = ${m} and account_id = ${FX_REVENUE_ACCOUNT}`,
    );
    expect(fxRevenue.n).toBeGreaterThan(0);

    const report = await verifyLedger(db);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);

    process.stdout.write(
      `ledger concurrency (seed ${seed}): ${queue.length} calls for ${TRANSFERS} references in ${elapsed} ms; ` +
        `${posted.size} posted, ${refusals.length} refusals; ledger retries ${JSON.stringify(Object.fromEntries(retries))}; ` +
        `foreign job: ${foreign.jobs} done, ${foreign.deadlockVictims} deadlock victims\n`,
    );
  }, 90_000);
});
