import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { FX_ACCOUNT, FX_REVENUE_ACCOUNT, Movement, SETTLEMENT_ACCOUNT } from '../domain/ledger';
import { LedgerReport, LedgerCheck, LEDGER_CHECKS, verifyLedger } from './ledger-verify';
import { LedgerRepository } from './ledger.repository';

const merchant = (label: string) => `m_${label}_${randomBytes(3).toString('hex')}`;

const same = (src: string, dst: string, currency: string, minor: bigint): Movement => ({
  sourceAccount: src,
  destinationAccount: dst,
  debit: { currency, minor },
  credit: { currency, minor },
});

class Rollback extends Error {}

/** The checks that found something, with their counts. */
const failing = (r: LedgerReport): Partial<Record<LedgerCheck, number>> =>
  Object.fromEntries(r.checks.filter((c) => c.violations > 0).map((c) => [c.check, c.violations]));

describe.each<Driver>(DRIVERS)('verifyLedger on %s', (driver) => {
  let t: ServiceTestDb;
  let db: Db;
  let ledger: LedgerRepository;
  /** Ids and journals of the activity every test starts from. */
  let m: string;
  let journals: Record<string, bigint>;

  /** Applies a corruption inside a transaction, verifies there, and rolls it all back: every test starts clean. */
  async function verifyCorrupted(corrupt: (tx: Db) => Promise<unknown>): Promise<LedgerReport> {
    let report: LedgerReport | undefined;
    await db
      .transaction(async (tx) => {
        await corrupt(tx);
        report = await verifyLedger(tx);
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    return report!;
  }

  const exec = (d: Db, q: ReturnType<typeof sql>) => d.execute(q);

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'wallet', { poolSize: 4 });
    db = t.db;
    ledger = new LedgerRepository(db);
    m = merchant('verify');
    journals = {};
    const wallet = (id: string, currencies: string[], allowOverdraft = false) =>
      ledger.createAccount(m, { accountId: id, currencies, defaultCurrency: currencies[0], allowOverdraft });
    // Upper- and lowercase ids sort on both sides of "house:…", so both lock orders are exercised.
    await wallet('ACC_A', ['USD', 'EUR']);
    await wallet('ACC_B', ['EUR']);
    await wallet('zz_c', ['USD']);
    await wallet('ACC_OD', ['USD'], true);
    await ledger.deposit(m, 'dep-a', 'ACC_A', 'USD', 100_000n);
    await ledger.deposit(m, 'dep-c', 'zz_c', 'USD', 5_000n);
    await ledger.withdraw(m, 'wd-c', 'zz_c', 'USD', 1_000n);
    journals.same = (await ledger.transfer(m, 'tr-same', same('ACC_A', 'zz_c', 'USD', 2_500n))).journalId;
    journals.fx = (
      await ledger.transfer(m, 'tr-fx', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 10_000n },
        credit: { currency: 'EUR', minor: 9_100n },
        revenue: { currency: 'USD', minor: 30n },
      })
    ).journalId;
    journals.od = (await ledger.transfer(m, 'tr-od', same('ACC_OD', 'zz_c', 'USD', 700n))).journalId;
    // Holds: one captured in full (cross-currency), one in part, one released, one expired, one still active.
    await ledger.hold(m, 'h-full', 'ACC_A', 'USD', 1_000n);
    await ledger.captureHold(m, 'h-full', 'cap-full', 'ACC_B', undefined, { currency: 'EUR', minor: 910n }, { currency: 'USD', minor: 3n });
    await ledger.hold(m, 'h-part', 'ACC_A', 'USD', 2_000n);
    await ledger.captureHold(m, 'h-part', 'cap-part', 'zz_c', 1_200n, { currency: 'USD', minor: 1_200n });
    await ledger.hold(m, 'h-rel', 'zz_c', 'USD', 300n);
    await ledger.releaseHold(m, 'h-rel');
    await ledger.hold(m, 'h-exp', 'ACC_A', 'USD', 400n, new Date('2030-01-01T00:00:00Z'));
    await ledger.expireHolds(new Date('2030-01-01T00:00:01Z'));
    await ledger.hold(m, 'h-open', 'ACC_A', 'USD', 500n);
    await ledger.hold(m, 'h-open-eur', 'ACC_B', 'EUR', 50n);
    // Reversals: the FX transfer in part then the rest, the same-currency one in part, the partial capture in full.
    await ledger.reverse(m, 'rv-fx-1', 'tr-fx', 3_000n);
    await ledger.reverse(m, 'rv-fx-2', 'tr-fx', 6_100n);
    journals.rvSame = (await ledger.reverse(m, 'rv-same', 'tr-same', 1_000n)).journalId;
    await ledger.reverse(m, 'rv-cap', 'cap-part', 1_200n);
    journals.dep = (await ledger.deposit(m, 'dep-b', 'ACC_B', 'EUR', 777n)).journalId;
    // A second merchant, so that checks are per merchant.
    const other = merchant('other');
    await ledger.createAccount(other, { accountId: 'ACC_A', currencies: ['USD'], defaultCurrency: 'USD', allowOverdraft: false });
    await ledger.deposit(other, 'dep', 'ACC_A', 'USD', 10n);
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  it('is clean on a database with activity, and counts what it checked', async () => {
    const report = await verifyLedger(db);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.violationCount).toBe(0);
    expect(report.checks.map((c) => c.check)).toEqual(LEDGER_CHECKS.map((c) => c.check));
    expect(report.checks.every((c) => c.violations === 0)).toBe(true);
    const [counts] = await queryRows<Record<string, number>>(
      db,
      sql`select (select count(*)::int from wallet.journals) as journals, (select count(*)::int from wallet.entries) as entries,
                 (select count(*)::int from wallet.balances) as balances, (select count(*)::int from wallet.holds) as holds`,
    );
    expect(report.checked).toEqual({ merchants: 2, ...counts });
    expect(report.checked).toMatchObject({ holds: 6 });
    // The activity did exercise what the checks look at.
    const kinds = await queryRows<{ kind: string; n: number }>(
      db,
      sql`select kind, count(*)::int as n from wallet.journals where merchant_id = ${m} group by kind order by kind`,
    );
    expect(kinds).toEqual([
      { kind: 'capture', n: 2 },
      { kind: 'deposit', n: 3 },
      { kind: 'reversal', n: 4 },
      { kind: 'transfer', n: 3 },
      { kind: 'withdrawal', n: 1 },
    ]);
    const [fxRevenue] = await queryRows<{ total: string }>(
      db,
      sql`select sum(amount_minor)::text as total from wallet.entries where merchant_id = ${m} and account_id = ${FX_REVENUE_ACCOUNT}`,
    );
    // 30 earned and fully given back by the two reversals of tr-fx; 3 earned by the capture.
    expect(fxRevenue.total).toBe('3');
  });

  it('is clean on an empty (migrated) database', async () => {
    const empty = await openServiceTestDb(driver, 'wallet', { poolSize: 2 });
    try {
      const report = await verifyLedger(empty.db);
      expect(report).toMatchObject({
        ok: true,
        violationCount: 0,
        checked: { merchants: 0, journals: 0, entries: 0, balances: 0, holds: 0 },
      });
    } finally {
      await empty.close();
    }
  }, 30_000);

  describe('detects', () => {
    it('(a) an unbalanced journal', async () => {
      const r = await verifyCorrupted(async (tx) => {
        const [j] = await queryRows<{ id: string }>(
          tx,
          sql`insert into wallet.journals (merchant_id, kind, reference) values (${m}, 'deposit', 'deposit:forged') returning id::text`,
        );
        await exec(
          tx,
          sql`insert into wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor)
              values (${j.id}::bigint, ${m}, ${SETTLEMENT_ACCOUNT}, 'USD', 5)`,
        );
      });
      expect(r.ok).toBe(false);
      expect(failing(r)).toEqual({ journal_balanced: 1 });
      expect(r.violations).toEqual([
        {
          check: 'journal_balanced',
          merchantId: m,
          detail: expect.stringMatching(/^journal \d+ \(deposit:forged\) sums to 5 USD, not 0$/),
        },
      ]);
    });

    it('(a) a journal whose amounts were edited, per currency', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(
          tx,
          sql`update wallet.entries set amount_minor = amount_minor - 1
               where journal_id = ${journals.fx}::bigint and account_id = ${FX_ACCOUNT} and currency = 'EUR'`,
        ),
      );
      expect(failing(r)).toEqual({ journal_balanced: 1 });
      expect(r.violations[0].detail).toMatch(/\(transfer:tr-fx\) sums to -1 EUR/);
    });

    it('(b) a journal without entries', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(tx, sql`insert into wallet.journals (merchant_id, kind, reference) values (${m}, 'transfer', 'transfer:bare')`),
      );
      expect(failing(r)).toEqual({ journal_has_entries: 1 });
      expect(r.violations[0]).toEqual({
        check: 'journal_has_entries',
        merchantId: m,
        detail: expect.stringMatching(/^journal \d+ \(transfer:bare, transfer\) has no entries$/),
      });
    });

    it('(c) a balance that no longer matches its entries', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(
          tx,
          sql`update wallet.balances set ledger_minor = ledger_minor + 1 where merchant_id = ${m} and account_id = 'zz_c' and currency = 'USD'`,
        ),
      );
      expect(failing(r)).toEqual({ balance_matches_entries: 1 });
      expect(r.violations[0].detail).toMatch(/^zz_c USD: ledger (\d+) but its entries sum to \d+$/);
      const [, ledgerShown] = /ledger (\d+)/.exec(r.violations[0].detail)!;
      const [, sumShown] = /sum to (\d+)/.exec(r.violations[0].detail)!;
      expect(BigInt(ledgerShown) - BigInt(sumShown)).toBe(1n);
    });

    it('(c) a wallet entry without a balances row', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(tx, sql`delete from wallet.balances where merchant_id = ${m} and account_id = 'zz_c' and currency = 'USD'`),
      );
      expect(failing(r)).toEqual({ balance_matches_entries: 1 });
      expect(r.violations[0].detail).toMatch(/^zz_c USD: \d+ entries summing to \d+ but no balances row$/);
    });

    it('(c, d, a) a deleted entry', async () => {
      const r = await verifyCorrupted(async (tx) => {
        const [e] = await queryRows<{ id: string }>(
          tx,
          sql`select min(id)::text as id from wallet.entries where merchant_id = ${m} and account_id = 'ACC_A' and currency = 'USD'`,
        );
        await exec(tx, sql`delete from wallet.entries where id = ${e.id}::bigint`);
      });
      // The deposit journal is unbalanced, ACC_A's ledger no longer sums, and every later running balance is off.
      expect(failing(r)).toEqual({ journal_balanced: 1, balance_matches_entries: 1, running_balance: 1 });
      expect(r.violations.find((v) => v.check === 'running_balance')?.detail).toMatch(
        /^ACC_A USD: (\d+) of \1 entries carry a wrong balance_after, first entry \d+ \(balance_after \d+, running sum -\d+\)$/,
      );
    });

    it('(d) a wrong running balance on one entry', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(
          tx,
          sql`update wallet.entries set balance_after_minor = balance_after_minor + 10
               where journal_id = ${journals.same}::bigint and account_id = 'zz_c'`,
        ),
      );
      expect(failing(r)).toEqual({ running_balance: 1 });
      expect(r.violations[0].detail).toMatch(/^zz_c USD: 1 of \d+ entries carry a wrong balance_after/);
    });

    it('(d) a wallet entry with no running balance', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(
          tx,
          sql`update wallet.entries set balance_after_minor = null where journal_id = ${journals.dep}::bigint and account_id = 'ACC_B'`,
        ),
      );
      expect(failing(r)).toEqual({ running_balance: 1 });
      expect(r.violations[0].detail).toMatch(/\(balance_after null, running sum \d+\)/);
    });

    it('(e) a wallet below zero without overdraft (ledger, or available through holds)', async () => {
      const r = await verifyCorrupted(async (tx) => {
        // ACC_OD is below zero legitimately; take its overdraft away.
        await exec(tx, sql`update wallet.accounts set allow_overdraft = false where merchant_id = ${m} and id = 'ACC_OD'`);
      });
      expect(failing(r)).toEqual({ no_negative_balance: 1 });
      expect(r.violations[0]).toEqual({
        check: 'no_negative_balance',
        merchantId: m,
        detail: 'ACC_OD USD: ledger -700, held 0, available -700 (no overdraft)',
      });

      const held = await verifyCorrupted(async (tx) => {
        // A hold (consistent with held) for one more than the wallet has.
        const [b] = await queryRows<{ over: string }>(
          tx,
          sql`select (ledger_minor + 1)::text as over from wallet.balances where merchant_id = ${m} and account_id = 'zz_c' and currency = 'USD'`,
        );
        await exec(
          tx,
          sql`insert into wallet.holds (merchant_id, reference, account_id, currency, amount_minor) values (${m}, 'h-forged', 'zz_c', 'USD', ${b.over}::bigint)`,
        );
        await exec(
          tx,
          sql`update wallet.balances set held_minor = held_minor + ${b.over}::bigint where merchant_id = ${m} and account_id = 'zz_c' and currency = 'USD'`,
        );
      });
      expect(failing(held)).toEqual({ no_negative_balance: 1 });
      expect(held.violations[0].detail).toMatch(/^zz_c USD: ledger \d+, held \d+, available -1 \(no overdraft\)$/);
    });

    it('(f) held out of step with the active holds', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(
          tx,
          sql`update wallet.balances set held_minor = held_minor - 1 where merchant_id = ${m} and account_id = 'ACC_A' and currency = 'USD'`,
        ),
      );
      expect(failing(r)).toEqual({ held_matches_holds: 1 });
      expect(r.violations[0].detail).toBe('ACC_A USD: held 499 but active holds sum to 500');

      const released = await verifyCorrupted((tx) =>
        exec(tx, sql`update wallet.holds set status = 'released' where merchant_id = ${m} and reference = 'h-open-eur'`),
      );
      expect(failing(released)).toEqual({ held_matches_holds: 1 });
      expect(released.violations[0].detail).toBe('ACC_B EUR: held 50 but active holds sum to 0');
    });

    it('(f) captured holds must have captured 0 < x ≤ amount; others nothing', async () => {
      const r = await verifyCorrupted(async (tx) => {
        await exec(tx, sql`update wallet.holds set captured_minor = amount_minor + 1 where merchant_id = ${m} and reference = 'h-full'`);
        await exec(tx, sql`update wallet.holds set captured_minor = 0 where merchant_id = ${m} and reference = 'h-part'`);
        await exec(tx, sql`update wallet.holds set captured_minor = 5 where merchant_id = ${m} and reference = 'h-rel'`);
      });
      expect(failing(r)).toEqual({ held_matches_holds: 3 });
      expect(r.violations.map((v) => v.detail).sort()).toEqual([
        expect.stringMatching(/^hold \d+ \(h-full\) is captured with amount 1000 and captured 1001$/),
        expect.stringMatching(/^hold \d+ \(h-part\) is captured with amount 2000 and captured 0$/),
        expect.stringMatching(/^hold \d+ \(h-rel\) is released with amount 300 and captured 5$/),
      ]);
    });

    it('(g) a balances row for a house account', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(tx, sql`insert into wallet.balances (merchant_id, account_id, currency) values (${m}, ${SETTLEMENT_ACCOUNT}, 'USD')`),
      );
      expect(failing(r)).toEqual({ house_has_no_balance: 1 });
      expect(r.violations[0].detail).toBe('house account house:settlement has a balances row in USD (ledger 0, held 0)');
    });

    it('(h) reversals that give back more than the original credited', async () => {
      // Two real transfers, each reversed in full; then the second reversal is pointed at the first transfer.
      await ledger.deposit(m, 'dep-h', 'ACC_A', 'EUR', 1_000n);
      const t1 = await ledger.transfer(m, 'tr-h1', same('ACC_A', 'ACC_B', 'EUR', 400n));
      await ledger.transfer(m, 'tr-h2', same('ACC_A', 'ACC_B', 'EUR', 400n));
      await ledger.reverse(m, 'rv-h1', 'tr-h1', 400n);
      const r2 = await ledger.reverse(m, 'rv-h2', 'tr-h2', 400n);
      expect((await verifyLedger(db)).ok).toBe(true);

      const r = await verifyCorrupted((tx) =>
        exec(tx, sql`update wallet.journals set reverses_journal_id = ${t1.journalId}::bigint where id = ${r2.journalId}::bigint`),
      );
      expect(failing(r)).toEqual({ reversal_within_original: 1 });
      expect(r.violations[0].detail).toBe(
        `journal ${t1.journalId} (transfer:tr-h1): its 2 reversals gave back 800 of 400 credited (EUR), 800 of 400 debited (EUR), 0 of 0 revenue`,
      );
    });

    it('(h) a reversal of something that is not a transfer, or that moves money the wrong way', async () => {
      const r = await verifyCorrupted((tx) =>
        exec(tx, sql`update wallet.journals set reverses_journal_id = ${journals.dep}::bigint where id = ${journals.rvSame}::bigint`),
      );
      expect(failing(r)).toEqual({ reversal_within_original: 1 });
      expect(r.violations[0].detail).toMatch(/^reversal \d+ \(reversal:rv-same\) reverses journal \d+, a deposit, not a transfer$/);

      const missing = await verifyCorrupted((tx) =>
        exec(tx, sql`update wallet.journals set reverses_journal_id = null where id = ${journals.rvSame}::bigint`),
      );
      expect(missing.violations[0].detail).toMatch(/^reversal \d+ \(reversal:rv-same\) reverses journal null, which does not exist$/);

      // A "reversal" that takes money from the source instead of giving it back.
      const wrongWay = await verifyCorrupted(async (tx) => {
        await exec(tx, sql`update wallet.entries set amount_minor = -amount_minor where journal_id = ${journals.rvSame}::bigint`);
      });
      expect(failing(wrongWay)).toMatchObject({ reversal_within_original: 1 });
      expect(wrongWay.violations.find((v) => v.check === 'reversal_within_original')?.detail).toMatch(
        /must take back from the destination and give back to the source: credit back -1000, debit back -1000, 2 other wallet entries$/,
      );
    });

    it('counts every violation but lists at most maxViolations, per merchant', async () => {
      let n = 0;
      const r = await verifyCorrupted(async (tx) => {
        const rows = await queryRows<{ n: number }>(
          tx,
          sql`with u as (update wallet.balances set ledger_minor = ledger_minor + 1 returning 1) select count(*)::int as n from u`,
        );
        n = rows[0].n;
      });
      expect(n).toBeGreaterThan(5);
      expect(r.violationCount).toBe(n);
      expect(r.violations).toHaveLength(n);
      expect(new Set(r.violations.map((v) => v.merchantId)).size).toBe(2);

      const capped = await db
        .transaction(async (tx) => {
          await exec(tx, sql`update wallet.balances set ledger_minor = ledger_minor + 1`);
          const report = await verifyLedger(tx, { maxViolations: 3 });
          const none = await verifyLedger(tx, { maxViolations: 0 });
          throw Object.assign(new Rollback(), { report, none });
        })
        .catch((e: Rollback & { report: LedgerReport; none: LedgerReport }) => e);
      expect(capped.report.violationCount).toBe(n);
      expect(capped.report.violations).toHaveLength(3);
      expect(capped.none).toMatchObject({ ok: false, violationCount: n, violations: [] });
      expect((await verifyLedger(db)).ok).toBe(true);
    });
  });
});
