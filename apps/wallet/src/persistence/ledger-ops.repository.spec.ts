import { sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { FX_ACCOUNT, FX_REVENUE_ACCOUNT, LedgerRuleError, SETTLEMENT_ACCOUNT } from '../domain/ledger';
import { LedgerRefused, LedgerRepository } from './ledger.repository';
import { merchant, same, refusalOf, balances, entriesOf, journalsOf, expectInvariants } from './ledger.test-helpers';

/*
 * The ledger's newer operations (withdrawals, account status, listings, entries, hold capture /
 * release / expiry, reversals) against PostgreSQL and PGlite. The helpers and the invariants are
 * the ones of ledger.repository.spec.ts (copied: importing a spec file would run its tests too).
 */

async function snapshot(db: Db, m: string) {
  const [row] = await queryRows<Record<string, string | null>>(
    db,
    sql`select
          (select count(*) from wallet.journals where merchant_id = ${m})::text as journals,
          (select count(*) from wallet.entries where merchant_id = ${m})::text as entries,
          (select string_agg(reference || ':' || status || '=' || amount_minor::text || '/' || captured_minor::text,
                             ',' order by reference) from wallet.holds where merchant_id = ${m}) as holds,
          (select string_agg(account_id || ':' || currency || '=' || ledger_minor::text || '/' || held_minor::text
                             || '@' || updated_at::text, ',' order by account_id, currency)
             from wallet.balances where merchant_id = ${m}) as balances,
          (select string_agg(id || ':' || status || '@' || updated_at::text, ',' order by id)
             from wallet.accounts where merchant_id = ${m}) as accounts,
          (select string_agg(account_id || ':' || currency || '=' || total::text, ',' order by account_id, currency)
             from (select account_id, currency, sum(amount_minor) as total from wallet.entries
                    where merchant_id = ${m} and account_id like 'house:%' group by account_id, currency) h) as house`,
  );
  return row;
}

async function holdRow(db: Db, m: string, reference: string) {
  const [row] = await queryRows<{ status: string; amount: string; captured: string }>(
    db,
    sql`select status, amount_minor::text as amount, captured_minor::text as captured from wallet.holds
         where merchant_id = ${m} and reference = ${reference}`,
  );
  return row;
}

describe.each<Driver>(DRIVERS)('LedgerRepository operations on %s', (driver) => {
  let t: ServiceTestDb;
  let db: Db;
  let ledger: LedgerRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'wallet', { poolSize: 10 });
    db = t.db;
    ledger = new LedgerRepository(db);
  }, 60_000);

  afterEach(async () => {
    await expectInvariants(db);
  });

  afterAll(() => t?.close(), 30_000);

  const wallet = (m: string, accountId: string, currencies: string[] = ['USD'], allowOverdraft = false) =>
    ledger.createAccount(m, { accountId, currencies, defaultCurrency: currencies[0], allowOverdraft });

  /** Two USD wallets, the first funded. */
  async function pair(m: string, funded = 10_000n): Promise<void> {
    await wallet(m, 'ACC_A', ['USD']);
    await wallet(m, 'ACC_B', ['USD']);
    await ledger.deposit(m, 'dep-a', 'ACC_A', 'USD', funded);
  }

  async function accountRow(m: string, id: string) {
    const [row] = await queryRows<{ status: string; updated_at: string }>(
      db,
      sql`select status, updated_at::text from wallet.accounts where merchant_id = ${m} and id = ${id}`,
    );
    return row;
  }

  describe('withdraw', () => {
    it('debits the wallet to house:settlement, returns the balance after, with the running balance on the entry', async () => {
      const m = merchant('wd');
      await wallet(m, 'ACC_1', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 10_000n);
      await ledger.hold(m, 'h-1', 'ACC_1', 'USD', 1_000n);

      const w1 = await ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 2_500n);
      expect(w1).toEqual({
        journalId: expect.any(BigInt),
        createdAt: expect.any(Date),
        replayed: false,
        accountId: 'ACC_1',
        currency: 'USD',
        minor: 2_500n,
        ledgerMinor: 7_500n,
        heldMinor: 1_000n,
      });
      expect(await entriesOf(db, w1.journalId)).toEqual([
        { account_id: 'ACC_1', currency: 'USD', amount: '-2500', after: '7500' },
        { account_id: SETTLEMENT_ACCOUNT, currency: 'USD', amount: '2500', after: null },
      ]);
      // Exactly what is available (ledger − held) can go.
      const w2 = await ledger.withdraw(m, 'wd-2', 'ACC_1', 'USD', 6_500n);
      expect(w2).toMatchObject({ replayed: false, ledgerMinor: 1_000n, heldMinor: 1_000n });
      expect(await balances(db, m, 'ACC_1')).toEqual({ EUR: '0', USD: '1000/1000' });
      expect(await balances(db, m, SETTLEMENT_ACCOUNT)).toEqual({ USD: '-1000' });
      expect(await journalsOf(db, m)).toEqual([
        { kind: 'deposit', reference: 'deposit:dep-1' },
        { kind: 'withdrawal', reference: 'withdrawal:wd-1' },
        { kind: 'withdrawal', reference: 'withdrawal:wd-2' },
      ]);
    });

    it('refuses to overdraw with the available and required amounts, changes nothing, and does not burn the reference', async () => {
      const m = merchant('wd_nsf');
      await wallet(m, 'ACC_1', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 5_000n);
      await ledger.hold(m, 'h-1', 'ACC_1', 'USD', 1_200n);
      const before = await snapshot(db, m);

      expect(await refusalOf(ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 3_801n))).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_1',
        currency: 'USD',
        availableMinor: 3_800n,
        requiredMinor: 3_801n,
      });
      // A currency with an empty balance, and one the wallet has never held.
      expect(await refusalOf(ledger.withdraw(m, 'wd-2', 'ACC_1', 'EUR', 1n))).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_1',
        currency: 'EUR',
        availableMinor: 0n,
        requiredMinor: 1n,
      });
      expect(await refusalOf(ledger.withdraw(m, 'wd-3', 'ACC_1', 'GBP', 1n))).toMatchObject({
        kind: 'INSUFFICIENT_FUNDS',
        availableMinor: 0n,
      });
      expect(await refusalOf(ledger.withdraw(m, 'wd-4', 'ACC_NOPE', 'USD', 1n))).toEqual({
        kind: 'ACCOUNT_NOT_FOUND',
        accountId: 'ACC_NOPE',
      });
      await expect(ledger.withdraw(m, 'wd-5', 'ACC_1', 'USD', 0n)).rejects.toThrow(LedgerRuleError);
      expect(await snapshot(db, m)).toEqual(before);

      await expect(ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 3_800n)).resolves.toMatchObject({ replayed: false, ledgerMinor: 1_200n });
      expect(await balances(db, m, 'ACC_1')).toEqual({ EUR: '0', USD: '1200/1200' });
    });

    it('lets an allow_overdraft wallet withdraw below zero, even in a currency it never held', async () => {
      const m = merchant('wd_od');
      await wallet(m, 'ACC_OD', ['USD'], true);
      await expect(ledger.withdraw(m, 'wd-1', 'ACC_OD', 'USD', 700n)).resolves.toMatchObject({ ledgerMinor: -700n });
      await expect(ledger.withdraw(m, 'wd-2', 'ACC_OD', 'JPY', 3n)).resolves.toMatchObject({ ledgerMinor: -3n, heldMinor: 0n });
      expect(await balances(db, m, 'ACC_OD')).toEqual({ JPY: '-3', USD: '-700' });
    });

    it('replays the same reference and body (same journal, the balance as it is now); another body is REFERENCE_REUSED', async () => {
      const m = merchant('wd_replay');
      await wallet(m, 'ACC_1', ['USD', 'EUR']);
      await wallet(m, 'ACC_2', ['USD']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 1_000n);
      await ledger.deposit(m, 'dep-2', 'ACC_1', 'EUR', 1_000n);
      await ledger.deposit(m, 'dep-3', 'ACC_2', 'USD', 1_000n);
      const first = await ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 400n);
      const before = await snapshot(db, m);

      const again = await ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 400n);
      expect(again).toEqual({ ...first, replayed: true });
      expect(await snapshot(db, m)).toEqual(before);

      const reused = { kind: 'REFERENCE_REUSED', reference: 'wd-1' };
      expect(await refusalOf(ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 401n))).toEqual(reused);
      expect(await refusalOf(ledger.withdraw(m, 'wd-1', 'ACC_1', 'EUR', 400n))).toEqual(reused);
      expect(await refusalOf(ledger.withdraw(m, 'wd-1', 'ACC_2', 'USD', 400n))).toEqual(reused);
      expect(await snapshot(db, m)).toEqual(before);

      // A later movement: the replay answers the balance as it is now, and still moves nothing.
      await ledger.deposit(m, 'dep-4', 'ACC_1', 'USD', 50n);
      await expect(ledger.withdraw(m, 'wd-1', 'ACC_1', 'USD', 400n)).resolves.toMatchObject({
        journalId: first.journalId,
        replayed: true,
        ledgerMinor: 650n,
      });

      // Withdrawals and deposits have their own reference namespaces.
      await expect(ledger.withdraw(m, 'dep-1', 'ACC_1', 'USD', 100n)).resolves.toMatchObject({ replayed: false, ledgerMinor: 550n });
      await expect(ledger.deposit(m, 'wd-1', 'ACC_1', 'USD', 100n)).resolves.toMatchObject({ replayed: false, ledgerMinor: 650n });

      // Concurrent duplicates of a fresh reference: exactly one moves money.
      const results = await Promise.all(Array.from({ length: 6 }, () => ledger.withdraw(m, 'wd-2', 'ACC_1', 'USD', 50n)));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.journalId)).size).toBe(1);
      expect(await balances(db, m, 'ACC_1')).toEqual({ EUR: '1000', USD: '600' });
    });

    it('never overdraws under concurrency: 12 withdrawals of 1.00 from 10.00 → exactly 10 go through', async () => {
      const m = merchant('wd_race');
      await wallet(m, 'ACC_1', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_1', 'USD', 1_000n);
      const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => ledger.withdraw(m, `wd-${i}`, 'ACC_1', 'USD', 100n)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect((r.reason as LedgerRefused).refusal).toEqual({
            kind: 'INSUFFICIENT_FUNDS',
            accountId: 'ACC_1',
            currency: 'USD',
            availableMinor: 0n,
            requiredMinor: 100n,
          });
        }
      }
      expect(await balances(db, m, 'ACC_1')).toEqual({ USD: '0' });
    }, 30_000);

    it('refuses frozen and closed wallets (ACCOUNT_INACTIVE) and changes nothing', async () => {
      const m = merchant('wd_inactive');
      await wallet(m, 'ACC_F', ['USD']);
      await wallet(m, 'ACC_C', ['USD']);
      await ledger.deposit(m, 'dep-1', 'ACC_F', 'USD', 1_000n);
      await ledger.setStatus(m, 'ACC_F', 'freeze');
      await ledger.setStatus(m, 'ACC_C', 'close');
      const before = await snapshot(db, m);

      expect(await refusalOf(ledger.withdraw(m, 'wd-1', 'ACC_F', 'USD', 100n))).toEqual({
        kind: 'ACCOUNT_INACTIVE',
        accountId: 'ACC_F',
        status: 'frozen',
      });
      expect(await refusalOf(ledger.withdraw(m, 'wd-2', 'ACC_C', 'USD', 1n))).toEqual({
        kind: 'ACCOUNT_INACTIVE',
        accountId: 'ACC_C',
        status: 'closed',
      });
      expect(await snapshot(db, m)).toEqual(before);

      await ledger.setStatus(m, 'ACC_F', 'unfreeze');
      await expect(ledger.withdraw(m, 'wd-1', 'ACC_F', 'USD', 100n)).resolves.toMatchObject({ replayed: false, ledgerMinor: 900n });
    });
  });

  describe('setStatus', () => {
    it('freeze stops every movement in or out (ACCOUNT_INACTIVE frozen); unfreeze lets them through again', async () => {
      const m = merchant('freeze');
      await pair(m);
      await ledger.deposit(m, 'dep-b', 'ACC_B', 'USD', 500n);
      await ledger.hold(m, 'h-before', 'ACC_A', 'USD', 300n);

      const frozen = await ledger.setStatus(m, 'ACC_A', 'freeze');
      expect(frozen).toEqual({
        id: 'ACC_A',
        kind: 'wallet',
        status: 'frozen',
        defaultCurrency: 'USD',
        allowOverdraft: false,
        createdAt: expect.any(Date),
        currencies: ['USD'],
      });
      expect(await ledger.findAccount(m, 'ACC_A')).toMatchObject({ status: 'frozen' });
      const before = await snapshot(db, m);

      const frozenA = { kind: 'ACCOUNT_INACTIVE', accountId: 'ACC_A', status: 'frozen' };
      expect(await refusalOf(ledger.transfer(m, 'tr-out', same('ACC_A', 'ACC_B', 'USD', 100n)))).toEqual(frozenA);
      expect(await refusalOf(ledger.transfer(m, 'tr-in', same('ACC_B', 'ACC_A', 'USD', 100n)))).toEqual(frozenA);
      expect(await refusalOf(ledger.deposit(m, 'dep-2', 'ACC_A', 'USD', 100n))).toEqual(frozenA);
      expect(await refusalOf(ledger.withdraw(m, 'wd-1', 'ACC_A', 'USD', 100n))).toEqual(frozenA);
      expect(await refusalOf(ledger.hold(m, 'h-1', 'ACC_A', 'USD', 100n))).toEqual(frozenA);
      // A hold placed before the freeze cannot be captured (money would move), to or from the frozen wallet.
      expect(await refusalOf(ledger.captureHold(m, 'h-before', 'cap-1', 'ACC_B', undefined, { currency: 'USD', minor: 300n }))).toEqual(
        frozenA,
      );
      expect(await snapshot(db, m)).toEqual(before);

      const active = await ledger.setStatus(m, 'ACC_A', 'unfreeze');
      expect(active).toMatchObject({ id: 'ACC_A', status: 'active' });
      await ledger.transfer(m, 'tr-out', same('ACC_A', 'ACC_B', 'USD', 100n));
      await ledger.transfer(m, 'tr-in', same('ACC_B', 'ACC_A', 'USD', 40n));
      await ledger.deposit(m, 'dep-2', 'ACC_A', 'USD', 100n);
      await ledger.withdraw(m, 'wd-1', 'ACC_A', 'USD', 100n);
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 100n);
      await ledger.captureHold(m, 'h-before', 'cap-1', 'ACC_B', undefined, { currency: 'USD', minor: 300n });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '9640/100' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '860' });
    });

    it('releasing a hold on a frozen wallet is allowed (nothing moves, funds are only freed)', async () => {
      const m = merchant('freeze_release');
      await pair(m);
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 300n);
      await ledger.setStatus(m, 'ACC_A', 'freeze');
      await expect(ledger.releaseHold(m, 'h-1')).resolves.toMatchObject({ status: 'released', replayed: false });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '10000' });
    });

    it('asking for the state it is already in changes nothing (same record, updated_at untouched)', async () => {
      const m = merchant('status_idem');
      await wallet(m, 'ACC_1', ['USD']);
      const a0 = await accountRow(m, 'ACC_1');
      await expect(ledger.setStatus(m, 'ACC_1', 'unfreeze')).resolves.toMatchObject({ status: 'active' });
      expect(await accountRow(m, 'ACC_1')).toEqual(a0);

      await ledger.setStatus(m, 'ACC_1', 'freeze');
      const f1 = await accountRow(m, 'ACC_1');
      expect(f1.status).toBe('frozen');
      await expect(ledger.setStatus(m, 'ACC_1', 'freeze')).resolves.toMatchObject({ status: 'frozen' });
      expect(await accountRow(m, 'ACC_1')).toEqual(f1);

      // Concurrent freezes and unfreezes of one wallet settle on one of the two states.
      await Promise.all(Array.from({ length: 8 }, (_, i) => ledger.setStatus(m, 'ACC_1', i % 2 ? 'freeze' : 'unfreeze')));
      expect(['active', 'frozen']).toContain((await accountRow(m, 'ACC_1')).status);
    });

    it('close only when every balance is zero and nothing is held; otherwise ACCOUNT_NOT_EMPTY and nothing changes', async () => {
      const m = merchant('close');
      await wallet(m, 'ACC_1', ['USD', 'EUR', 'JPY']);
      await wallet(m, 'ACC_OD', ['USD'], true);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'EUR', 1n);
      const notEmpty = { kind: 'ACCOUNT_NOT_EMPTY', accountId: 'ACC_1' };

      // One cent in one currency of three.
      let before = await snapshot(db, m);
      expect(await refusalOf(ledger.setStatus(m, 'ACC_1', 'close'))).toEqual(notEmpty);
      expect(await snapshot(db, m)).toEqual(before);

      // Only on hold: a held amount keeps it open even at a zero ledger (overdraft wallet).
      await ledger.hold(m, 'h-1', 'ACC_OD', 'USD', 10n);
      expect(await balances(db, m, 'ACC_OD')).toEqual({ USD: '0/10' });
      expect(await refusalOf(ledger.setStatus(m, 'ACC_OD', 'close'))).toEqual({ kind: 'ACCOUNT_NOT_EMPTY', accountId: 'ACC_OD' });
      await ledger.releaseHold(m, 'h-1');
      // Below zero is not empty either.
      await ledger.withdraw(m, 'wd-od', 'ACC_OD', 'USD', 5n);
      expect(await refusalOf(ledger.setStatus(m, 'ACC_OD', 'close'))).toEqual({ kind: 'ACCOUNT_NOT_EMPTY', accountId: 'ACC_OD' });
      await ledger.deposit(m, 'dep-od', 'ACC_OD', 'USD', 5n);

      // Frozen with money: still not empty.
      await ledger.setStatus(m, 'ACC_1', 'freeze');
      before = await snapshot(db, m);
      expect(await refusalOf(ledger.setStatus(m, 'ACC_1', 'close'))).toEqual(notEmpty);
      expect(await snapshot(db, m)).toEqual(before);
      await ledger.setStatus(m, 'ACC_1', 'unfreeze');
      await ledger.withdraw(m, 'wd-1', 'ACC_1', 'EUR', 1n);

      // Every balance at zero: closes (from frozen too).
      await ledger.setStatus(m, 'ACC_1', 'freeze');
      await expect(ledger.setStatus(m, 'ACC_1', 'close')).resolves.toMatchObject({
        id: 'ACC_1',
        status: 'closed',
        currencies: ['EUR', 'JPY', 'USD'],
      });
      await expect(ledger.setStatus(m, 'ACC_OD', 'close')).resolves.toMatchObject({ status: 'closed' });
      expect(await balances(db, m, 'ACC_1')).toEqual({ EUR: '0', JPY: '0', USD: '0' });
    });

    it('closed is terminal: no unfreeze or freeze, no money in or out; closing again is a no-op', async () => {
      const m = merchant('closed');
      await pair(m);
      await ledger.setStatus(m, 'ACC_B', 'close');
      const closedRow = await accountRow(m, 'ACC_B');
      const before = await snapshot(db, m);

      const closed = { kind: 'ACCOUNT_INACTIVE', accountId: 'ACC_B', status: 'closed' };
      expect(await refusalOf(ledger.setStatus(m, 'ACC_B', 'unfreeze'))).toEqual(closed);
      expect(await refusalOf(ledger.setStatus(m, 'ACC_B', 'freeze'))).toEqual(closed);
      expect(await refusalOf(ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 100n)))).toEqual(closed);
      expect(await refusalOf(ledger.deposit(m, 'dep-b', 'ACC_B', 'USD', 100n))).toEqual(closed);
      expect(await refusalOf(ledger.withdraw(m, 'wd-b', 'ACC_B', 'USD', 1n))).toEqual(closed);
      expect(await refusalOf(ledger.hold(m, 'h-b', 'ACC_B', 'USD', 1n))).toEqual(closed);
      await expect(ledger.setStatus(m, 'ACC_B', 'close')).resolves.toMatchObject({ status: 'closed' });
      expect(await accountRow(m, 'ACC_B')).toEqual(closedRow);
      expect(await snapshot(db, m)).toEqual(before);
    });

    it('unknown wallets, house accounts and another merchant’s wallets are ACCOUNT_NOT_FOUND', async () => {
      const m = merchant('status_nf');
      const other = merchant('status_nf_other');
      await wallet(other, 'ACC_THEIRS', ['USD']);
      await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m}, ${SETTLEMENT_ACCOUNT}, 'house', 'USD', true)`);
      for (const id of ['ACC_NOPE', SETTLEMENT_ACCOUNT, 'ACC_THEIRS']) {
        for (const action of ['freeze', 'unfreeze', 'close'] as const) {
          expect(await refusalOf(ledger.setStatus(m, id, action))).toEqual({ kind: 'ACCOUNT_NOT_FOUND', accountId: id });
        }
      }
      expect(await accountRow(other, 'ACC_THEIRS')).toMatchObject({ status: 'active' });
      expect(await accountRow(m, SETTLEMENT_ACCOUNT)).toMatchObject({ status: 'active' });
    });
  });

  describe('listAccounts', () => {
    it('pages by id in a stable order with has_more; the cursor may be any id; merchants are isolated; house accounts never listed', async () => {
      const m = merchant('list');
      const other = merchant('list_other');
      const ids = ['ACC_07', 'ACC_01', 'acc_lower', 'ACC_03', 'ACC_10', 'ACC_02', 'ZZZ'];
      for (const id of ids) await wallet(m, id, id === 'ACC_03' ? ['EUR', 'USD'] : ['USD']);
      await ledger.setStatus(m, 'ACC_10', 'freeze');
      await wallet(other, 'ACC_04', ['USD']);
      await wallet(other, 'ACC_01', ['JPY']);
      await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m}, ${SETTLEMENT_ACCOUNT}, 'house', 'USD', true)`);
      // Ordering by code point (the wallet ids are ASCII): upper case before lower case.
      const sorted = ['ACC_01', 'ACC_02', 'ACC_03', 'ACC_07', 'ACC_10', 'ZZZ', 'acc_lower'];

      const pages: string[][] = [];
      const more: boolean[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await ledger.listAccounts(m, 3, cursor);
        pages.push(page.accounts.map((a) => a.id));
        more.push(page.hasMore);
        if (!page.hasMore) break;
        cursor = page.accounts[page.accounts.length - 1].id;
      }
      expect(pages).toEqual([sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)]);
      expect(more).toEqual([true, true, false]);

      // Full records, the other merchant's ACC_01 not mixed in.
      const first = await ledger.listAccounts(m, 3);
      expect(first.accounts[0]).toEqual({
        id: 'ACC_01',
        kind: 'wallet',
        status: 'active',
        defaultCurrency: 'USD',
        allowOverdraft: false,
        createdAt: expect.any(Date),
        currencies: ['USD'],
      });
      expect(first.accounts[2]).toMatchObject({ id: 'ACC_03', currencies: ['EUR', 'USD'], defaultCurrency: 'EUR' });
      // The same call answers the same page.
      expect(await ledger.listAccounts(m, 3)).toEqual(first);

      // A page exactly as large as what is left has no more; a cursor that is not an id still works.
      expect(await ledger.listAccounts(m, 7)).toMatchObject({ hasMore: false });
      expect((await ledger.listAccounts(m, 6)).hasMore).toBe(true);
      const between = await ledger.listAccounts(m, 2, 'ACC_05');
      expect(between.accounts.map((a) => a.id)).toEqual(['ACC_07', 'ACC_10']);
      expect(between.accounts[1]).toMatchObject({ status: 'frozen' });
      expect(await ledger.listAccounts(m, 5, 'acc_lower')).toEqual({ accounts: [], hasMore: false });

      const theirs = await ledger.listAccounts(other, 100);
      expect(theirs.accounts.map((a) => [a.id, a.currencies])).toEqual([
        ['ACC_01', ['JPY']],
        ['ACC_04', ['USD']],
      ]);
      expect(await ledger.listAccounts(merchant('list_empty'), 10)).toEqual({ accounts: [], hasMore: false });
    });

    it('lists closed wallets too, and a page is consistent while wallets are added after the cursor', async () => {
      const m = merchant('list_live');
      for (const id of ['W1', 'W2', 'W3']) await wallet(m, id);
      await ledger.setStatus(m, 'W2', 'close');
      const p1 = await ledger.listAccounts(m, 2);
      expect(p1.accounts.map((a) => [a.id, a.status])).toEqual([
        ['W1', 'active'],
        ['W2', 'closed'],
      ]);
      // Wallets created before the cursor do not shift the next page; after it they appear.
      await wallet(m, 'W0');
      await wallet(m, 'W4');
      const p2 = await ledger.listAccounts(m, 2, 'W2');
      expect(p2).toMatchObject({ hasMore: false });
      expect(p2.accounts.map((a) => a.id)).toEqual(['W3', 'W4']);
    });
  });

  describe('entries', () => {
    it('newest first, paged by entry id, filtered by currency, with kind, reference, signed amount and balance after', async () => {
      const m = merchant('entries');
      await wallet(m, 'ACC_A', ['USD', 'EUR']);
      await wallet(m, 'ACC_B', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep-1', 'ACC_A', 'USD', 10_000n);
      await ledger.deposit(m, 'dep-2', 'ACC_A', 'EUR', 5_000n);
      await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 2_500n));
      await ledger.transfer(m, 'fx-1', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 1_100n },
        credit: { currency: 'EUR', minor: 1_000n },
        revenue: { currency: 'USD', minor: 11n },
      });
      await ledger.withdraw(m, 'wd-1', 'ACC_A', 'EUR', 750n);
      await ledger.transfer(m, 'tr-2', same('ACC_B', 'ACC_A', 'USD', 400n));
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 1_000n);
      await ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 600n, { currency: 'USD', minor: 600n });
      await ledger.reverse(m, 'rev-1', 'tr-1', 500n);

      const want = [
        { kind: 'reversal', reference: 'reversal:rev-1', currency: 'USD', amountMinor: 500n, balanceAfterMinor: 6_700n },
        { kind: 'capture', reference: 'transfer:cap-1', currency: 'USD', amountMinor: -600n, balanceAfterMinor: 6_200n },
        { kind: 'transfer', reference: 'transfer:tr-2', currency: 'USD', amountMinor: 400n, balanceAfterMinor: 6_800n },
        { kind: 'withdrawal', reference: 'withdrawal:wd-1', currency: 'EUR', amountMinor: -750n, balanceAfterMinor: 4_250n },
        { kind: 'transfer', reference: 'transfer:fx-1', currency: 'USD', amountMinor: -1_100n, balanceAfterMinor: 6_400n },
        { kind: 'transfer', reference: 'transfer:tr-1', currency: 'USD', amountMinor: -2_500n, balanceAfterMinor: 7_500n },
        { kind: 'deposit', reference: 'deposit:dep-2', currency: 'EUR', amountMinor: 5_000n, balanceAfterMinor: 5_000n },
        { kind: 'deposit', reference: 'deposit:dep-1', currency: 'USD', amountMinor: 10_000n, balanceAfterMinor: 10_000n },
      ];
      const all = await ledger.entries(m, 'ACC_A', 100);
      expect(all.hasMore).toBe(false);
      expect(
        all.entries.map(({ kind, reference, currency, amountMinor, balanceAfterMinor }) => ({
          kind,
          reference,
          currency,
          amountMinor,
          balanceAfterMinor,
        })),
      ).toEqual(want);
      // Ids strictly decreasing, each entry of its journal; a journal is one instant.
      const ids = all.entries.map((e) => e.id);
      expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of all.entries) {
        expect(e.journalId).toEqual(expect.any(BigInt));
        expect(Number.isNaN(e.createdAt.getTime())).toBe(false);
      }
      // The last balance_after per currency is the balance.
      expect(await balances(db, m, 'ACC_A')).toEqual({ EUR: '4250', USD: '6700' });

      // Pages of 3 by cursor: the same sequence, no gaps or repeats.
      const paged: bigint[] = [];
      const more: boolean[] = [];
      let before: bigint | undefined;
      for (;;) {
        const page = await ledger.entries(m, 'ACC_A', 3, before);
        paged.push(...page.entries.map((e) => e.id));
        more.push(page.hasMore);
        if (!page.hasMore) break;
        before = page.entries[page.entries.length - 1].id;
      }
      expect(paged).toEqual(ids);
      expect(more).toEqual([true, true, false]);
      expect(await ledger.entries(m, 'ACC_A', 8)).toMatchObject({ hasMore: false });
      expect(await ledger.entries(m, 'ACC_A', 100, ids[ids.length - 1])).toEqual({ entries: [], hasMore: false });

      // One currency only, also paged.
      const eur = await ledger.entries(m, 'ACC_A', 100, undefined, 'EUR');
      expect(eur.entries.map((e) => [e.reference, e.amountMinor, e.balanceAfterMinor])).toEqual([
        ['withdrawal:wd-1', -750n, 4_250n],
        ['deposit:dep-2', 5_000n, 5_000n],
      ]);
      const usdPage = await ledger.entries(m, 'ACC_A', 2, ids[1], 'USD');
      expect(usdPage.entries.map((e) => e.reference)).toEqual(['transfer:tr-2', 'transfer:fx-1']);
      expect(usdPage.hasMore).toBe(true);
      expect(await ledger.entries(m, 'ACC_A', 10, undefined, 'JPY')).toEqual({ entries: [], hasMore: false });

      // The other side of the cross-currency transfer: the destination sees its credit in EUR.
      const b = await ledger.entries(m, 'ACC_B', 100, undefined, 'EUR');
      expect(b.entries.map((e) => [e.kind, e.amountMinor, e.balanceAfterMinor])).toEqual([['transfer', 1_000n, 1_000n]]);
      // Another merchant sees nothing of it.
      expect(await ledger.entries(merchant('entries_other'), 'ACC_A', 100)).toEqual({ entries: [], hasMore: false });
    });
  });

  describe('holds', () => {
    it('capture in full: the hold leaves held, the amount moves as one capture journal', async () => {
      const m = merchant('cap_full');
      await pair(m);
      const placed = await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 4_000n);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '10000/4000' });

      const cap = await ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', undefined, { currency: 'USD', minor: 4_000n });
      expect(cap).toEqual({
        id: placed.journalId,
        reference: 'h-1',
        accountId: 'ACC_A',
        currency: 'USD',
        amountMinor: 4_000n,
        capturedMinor: 4_000n,
        status: 'captured',
        replayed: false,
      });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '6000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '4000' });
      expect(await holdRow(db, m, 'h-1')).toEqual({ status: 'captured', amount: '4000', captured: '4000' });
      expect((await journalsOf(db, m)).slice(-1)).toEqual([{ kind: 'capture', reference: 'transfer:cap-1' }]);
    });

    it('capture in part: the rest is released (held back to 0, available restored)', async () => {
      const m = merchant('cap_part');
      await pair(m);
      await ledger.hold(m, 'h-other', 'ACC_A', 'USD', 1_000n);
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 4_000n);
      expect(await ledger.balancesOf(m, 'ACC_A')).toMatchObject([{ ledgerMinor: 10_000n, heldMinor: 5_000n }]);

      const cap = await ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 1_500n, { currency: 'USD', minor: 1_500n });
      expect(cap).toMatchObject({ status: 'captured', amountMinor: 4_000n, capturedMinor: 1_500n, replayed: false });
      // Only the other hold is still held; available = 8,500 − 1,000.
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '8500/1000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '1500' });
      expect(await holdRow(db, m, 'h-1')).toEqual({ status: 'captured', amount: '4000', captured: '1500' });
      // What was released can be spent: all of it but the other hold.
      await ledger.withdraw(m, 'wd-1', 'ACC_A', 'USD', 7_500n);
      expect(await refusalOf(ledger.withdraw(m, 'wd-2', 'ACC_A', 'USD', 1n))).toMatchObject({ availableMinor: 0n });
    });

    it('capture cross-currency with FX revenue: 5 legs from the held currency', async () => {
      const m = merchant('cap_fx');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['EUR']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 5_000n);
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 2_000n);

      const cap = await ledger.captureHold(
        m,
        'h-1',
        'cap-1',
        'ACC_B',
        1_100n,
        { currency: 'EUR', minor: 1_000n },
        { currency: 'USD', minor: 11n },
      );
      expect(cap).toMatchObject({ status: 'captured', capturedMinor: 1_100n });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '3900' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ EUR: '1000' });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ EUR: '-1000', USD: '1089' });
      expect(await balances(db, m, FX_REVENUE_ACCOUNT)).toEqual({ USD: '11' });
      const [j] = await queryRows<{ id: string }>(
        db,
        sql`select id::text from wallet.journals where merchant_id = ${m} and reference = 'transfer:cap-1'`,
      );
      expect(await entriesOf(db, BigInt(j.id))).toEqual([
        { account_id: 'ACC_A', currency: 'USD', amount: '-1100', after: '3900' },
        { account_id: 'ACC_B', currency: 'EUR', amount: '1000', after: '1000' },
        { account_id: FX_ACCOUNT, currency: 'EUR', amount: '-1000', after: null },
        { account_id: FX_ACCOUNT, currency: 'USD', amount: '1089', after: null },
        { account_id: FX_REVENUE_ACCOUNT, currency: 'USD', amount: '11', after: null },
      ]);
    });

    it('capture is idempotent on its reference; a second capture, a released hold or too much are refused, changing nothing', async () => {
      const m = merchant('cap_idem');
      await pair(m);
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 3_000n);
      await ledger.hold(m, 'h-2', 'ACC_A', 'USD', 1_000n);

      // More than held: refused, the hold stays as it was.
      let before = await snapshot(db, m);
      expect(await refusalOf(ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 3_001n, { currency: 'USD', minor: 3_001n }))).toEqual({
        kind: 'AMOUNT_EXCEEDS_HOLD',
        reference: 'h-1',
        heldMinor: 3_000n,
        requestedMinor: 3_001n,
      });
      expect(await refusalOf(ledger.captureHold(m, 'h-nope', 'cap-1', 'ACC_B', undefined, { currency: 'USD', minor: 1n }))).toEqual({
        kind: 'HOLD_NOT_FOUND',
        reference: 'h-nope',
      });
      expect(
        await refusalOf(ledger.captureHold(merchant('cap_other'), 'h-1', 'cap-1', 'ACC_B', undefined, { currency: 'USD', minor: 3_000n })),
      ).toEqual({
        kind: 'HOLD_NOT_FOUND',
        reference: 'h-1',
      });
      expect(await refusalOf(ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_NOPE', undefined, { currency: 'USD', minor: 3_000n }))).toEqual({
        kind: 'ACCOUNT_NOT_FOUND',
        accountId: 'ACC_NOPE',
      });
      // The capture's reference is a transfer reference: one already used is not taken twice.
      await ledger.transfer(m, 'tr-used', same('ACC_A', 'ACC_B', 'USD', 1n));
      before = await snapshot(db, m);
      expect(await refusalOf(ledger.captureHold(m, 'h-1', 'tr-used', 'ACC_B', 1n, { currency: 'USD', minor: 1n }))).toEqual({
        kind: 'REFERENCE_REUSED',
        reference: 'tr-used',
      });
      expect(await snapshot(db, m)).toEqual(before);

      const first = await ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 2_000n, { currency: 'USD', minor: 2_000n });
      before = await snapshot(db, m);
      const again = await ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 2_000n, { currency: 'USD', minor: 2_000n });
      expect(again).toEqual({ ...first, replayed: true });
      expect(await snapshot(db, m)).toEqual(before);

      expect(await refusalOf(ledger.captureHold(m, 'h-1', 'cap-2', 'ACC_B', 500n, { currency: 'USD', minor: 500n }))).toEqual({
        kind: 'HOLD_NOT_ACTIVE',
        reference: 'h-1',
        status: 'captured',
      });
      // The same reference with another amount is not a replay.
      expect(await refusalOf(ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 1_000n, { currency: 'USD', minor: 1_000n }))).toMatchObject({
        kind: 'HOLD_NOT_ACTIVE',
      });
      expect(await snapshot(db, m)).toEqual(before);
      await ledger.releaseHold(m, 'h-2');
      before = await snapshot(db, m);
      expect(await refusalOf(ledger.captureHold(m, 'h-2', 'cap-3', 'ACC_B', undefined, { currency: 'USD', minor: 1_000n }))).toEqual({
        kind: 'HOLD_NOT_ACTIVE',
        reference: 'h-2',
        status: 'released',
      });
      expect(await snapshot(db, m)).toEqual(before);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '7999' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '2001' });
    });

    it('capture and release of one hold racing: exactly one wins', async () => {
      const m = merchant('cap_race');
      await pair(m);
      for (let i = 0; i < 4; i++) await ledger.hold(m, `h-${i}`, 'ACC_A', 'USD', 1_000n);
      const calls = Array.from({ length: 4 }, (_, i) => [
        ledger.captureHold(m, `h-${i}`, `cap-${i}`, 'ACC_B', undefined, { currency: 'USD', minor: 1_000n }),
        ledger.releaseHold(m, `h-${i}`),
        ledger.captureHold(m, `h-${i}`, `cap-${i}-b`, 'ACC_B', 500n, { currency: 'USD', minor: 500n }),
      ]).flat();
      await Promise.allSettled(calls);
      const [moved] = await queryRows<{ captured: string; n: number }>(
        db,
        sql`select coalesce(sum(captured_minor), 0)::text as captured, count(*) filter (where status = 'active')::int as n
              from wallet.holds where merchant_id = ${m}`,
      );
      expect(moved.n).toBe(0);
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: moved.captured });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: String(10_000n - BigInt(moved.captured)) });
    }, 30_000);

    it('release: the amount is available again; releasing twice is a replay; a captured hold cannot be released', async () => {
      const m = merchant('release');
      await pair(m);
      const placed = await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 2_500n);
      await ledger.hold(m, 'h-2', 'ACC_A', 'USD', 500n);

      const released = await ledger.releaseHold(m, 'h-1');
      expect(released).toEqual({
        id: placed.journalId,
        reference: 'h-1',
        accountId: 'ACC_A',
        currency: 'USD',
        amountMinor: 2_500n,
        capturedMinor: 0n,
        status: 'released',
        replayed: false,
      });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '10000/500' });
      const before = await snapshot(db, m);
      await expect(ledger.releaseHold(m, 'h-1')).resolves.toEqual({ ...released, replayed: true });
      const twice = await Promise.all([ledger.releaseHold(m, 'h-1'), ledger.releaseHold(m, 'h-1')]);
      expect(twice.map((r) => r.replayed)).toEqual([true, true]);
      expect(await snapshot(db, m)).toEqual(before);

      await ledger.captureHold(m, 'h-2', 'cap-2', 'ACC_B', undefined, { currency: 'USD', minor: 500n });
      expect(await refusalOf(ledger.releaseHold(m, 'h-2'))).toEqual({ kind: 'HOLD_NOT_ACTIVE', reference: 'h-2', status: 'captured' });
      expect(await refusalOf(ledger.releaseHold(m, 'h-3'))).toEqual({ kind: 'HOLD_NOT_FOUND', reference: 'h-3' });
      // No journals for holds and releases: only the deposit and the capture.
      expect((await journalsOf(db, m)).map((j) => j.kind)).toEqual(['deposit', 'capture']);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '9500' });
    });

    it('expireHolds(now) releases only active holds whose time ran out, marks them expired, and counts them once', async () => {
      const m = merchant('expire');
      await pair(m);
      const now = new Date(Date.now() + 3_600_000);
      const at = (ms: number) => new Date(now.getTime() + ms);
      await ledger.hold(m, 'lapsed', 'ACC_A', 'USD', 100n, at(-60_000));
      await ledger.hold(m, 'due-now', 'ACC_A', 'USD', 200n, now);
      await ledger.hold(m, 'future', 'ACC_A', 'USD', 400n, at(1));
      await ledger.hold(m, 'never', 'ACC_A', 'USD', 800n);
      await ledger.hold(m, 'released', 'ACC_A', 'USD', 1_000n, at(-120_000));
      await ledger.hold(m, 'captured', 'ACC_A', 'USD', 2_000n, at(-120_000));
      await ledger.releaseHold(m, 'released');
      await ledger.captureHold(m, 'captured', 'cap-1', 'ACC_B', 1_000n, { currency: 'USD', minor: 1_000n });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '9000/1500' });

      // Nothing due yet an hour ago.
      expect(await ledger.expireHolds(at(-3_600_000))).toBe(0);
      expect(await ledger.expireHolds(now)).toBe(2);
      expect(await holdRow(db, m, 'lapsed')).toMatchObject({ status: 'expired' });
      expect(await holdRow(db, m, 'due-now')).toMatchObject({ status: 'expired' });
      expect(await holdRow(db, m, 'future')).toMatchObject({ status: 'active' });
      expect(await holdRow(db, m, 'never')).toMatchObject({ status: 'active' });
      expect(await holdRow(db, m, 'released')).toMatchObject({ status: 'released' });
      expect(await holdRow(db, m, 'captured')).toMatchObject({ status: 'captured', captured: '1000' });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '9000/1200' });

      // A second sweep finds nothing; an expired hold is neither capturable nor released again.
      expect(await ledger.expireHolds(now)).toBe(0);
      await expect(ledger.releaseHold(m, 'lapsed')).resolves.toMatchObject({ status: 'expired', replayed: true });
      expect(await refusalOf(ledger.captureHold(m, 'lapsed', 'cap-2', 'ACC_B', undefined, { currency: 'USD', minor: 100n }))).toEqual({
        kind: 'HOLD_NOT_ACTIVE',
        reference: 'lapsed',
        status: 'expired',
      });

      // Later: the future one lapses too; the sweep takes at most `limit`, oldest first.
      await ledger.hold(m, 'later', 'ACC_A', 'USD', 50n, at(2));
      expect(await ledger.expireHolds(at(10), 1)).toBe(1);
      expect(await holdRow(db, m, 'future')).toMatchObject({ status: 'expired' });
      expect(await holdRow(db, m, 'later')).toMatchObject({ status: 'active' });
      expect(await ledger.expireHolds(at(10))).toBe(1);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '9000/800' });
    });
  });

  describe('reverse', () => {
    const reverse = (m: string, ref: string, original: string, credit: bigint) => ledger.reverse(m, ref, original, credit);

    it('a same-currency transfer in full: one reversal journal pointing at it, the money back where it was', async () => {
      const m = merchant('rev_full');
      await pair(m);
      const tr = await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 3_000n));

      const r = await reverse(m, 'rev-1', 'tr-1', 3_000n);
      expect(r).toEqual({
        journalId: expect.any(BigInt),
        createdAt: expect.any(Date),
        replayed: false,
        debitBack: { currency: 'USD', minor: 3_000n },
        creditBack: { currency: 'USD', minor: 3_000n },
      });
      expect(await entriesOf(db, r.journalId)).toEqual([
        { account_id: 'ACC_A', currency: 'USD', amount: '3000', after: '10000' },
        { account_id: 'ACC_B', currency: 'USD', amount: '-3000', after: '0' },
      ]);
      const [j] = await queryRows<{ kind: string; reverses: string }>(
        db,
        sql`select kind, reverses_journal_id::text as reverses from wallet.journals where id = ${r.journalId.toString()}::bigint`,
      );
      expect(j).toEqual({ kind: 'reversal', reverses: tr.journalId.toString() });
      expect(await refusalOf(reverse(m, 'rev-2', 'tr-1', 1n))).toEqual({
        kind: 'REVERSAL_EXCEEDS_ORIGINAL',
        reference: 'tr-1',
        remainingMinor: 0n,
        requestedMinor: 1n,
      });
    });

    it('a same-currency transfer in several parts: exact amounts, never beyond the credit', async () => {
      const m = merchant('rev_parts');
      await pair(m);
      await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 1_000n));

      const r1 = await reverse(m, 'rev-1', 'tr-1', 300n);
      expect(r1.debitBack).toEqual({ currency: 'USD', minor: 300n });
      expect(await refusalOf(reverse(m, 'rev-x', 'tr-1', 701n))).toEqual({
        kind: 'REVERSAL_EXCEEDS_ORIGINAL',
        reference: 'tr-1',
        remainingMinor: 700n,
        requestedMinor: 701n,
      });
      const r2 = await reverse(m, 'rev-2', 'tr-1', 300n);
      expect(r2.debitBack.minor).toBe(300n);
      const before = await snapshot(db, m);
      expect(await refusalOf(reverse(m, 'rev-x', 'tr-1', 401n))).toMatchObject({ remainingMinor: 400n });
      expect(await snapshot(db, m)).toEqual(before);
      const r3 = await reverse(m, 'rev-3', 'tr-1', 400n);
      expect(r3.debitBack.minor).toBe(400n);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '10000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '0' });
      expect(await refusalOf(reverse(m, 'rev-4', 'tr-1', 1n))).toMatchObject({ kind: 'REVERSAL_EXCEEDS_ORIGINAL', remainingMinor: 0n });
      expect((await journalsOf(db, m)).map((j) => j.kind)).toEqual(['deposit', 'transfer', 'reversal', 'reversal', 'reversal']);
    });

    it('a cross-currency transfer with FX revenue, in four parts at the original rate; the last takes exactly the rest', async () => {
      const m = merchant('rev_fx');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['EUR']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 5_000n);
      // 10.03 USD paid (0.06 of it FX spread) for 9.17 EUR received.
      await ledger.transfer(m, 'fx-1', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 1_003n },
        credit: { currency: 'EUR', minor: 917n },
        revenue: { currency: 'USD', minor: 6n },
      });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ EUR: '-917', USD: '997' });
      expect(await balances(db, m, FX_REVENUE_ACCOUNT)).toEqual({ USD: '6' });

      // Each part: debit back = 1003 × part / 917 and revenue back = 6 × part / 917, half-even
      // (218.76 → 219, 1.31 → 1; 273.45 → 273, 1.64 → 2; 328.14 → 328, 1.96 → 2); the last, the rest.
      const parts: Array<[bigint, bigint, bigint]> = [
        [200n, 219n, 1n],
        [250n, 273n, 2n],
        [300n, 328n, 2n],
        [167n, 183n, 1n],
      ];
      let usd = 5_000n - 1_003n;
      let eur = 917n;
      let debitBack = 0n;
      let revenueBack = 0n;
      for (const [i, [credit, debit, revenue]] of parts.entries()) {
        const r = await reverse(m, `rev-${i}`, 'fx-1', credit);
        expect(r).toMatchObject({
          replayed: false,
          debitBack: { currency: 'USD', minor: debit },
          creditBack: { currency: 'EUR', minor: credit },
        });
        usd += debit;
        eur -= credit;
        debitBack += debit;
        revenueBack += revenue;
        expect(await entriesOf(db, r.journalId)).toEqual([
          { account_id: 'ACC_A', currency: 'USD', amount: String(debit), after: String(usd) },
          { account_id: 'ACC_B', currency: 'EUR', amount: String(-credit), after: String(eur) },
          { account_id: FX_ACCOUNT, currency: 'EUR', amount: String(credit), after: null },
          { account_id: FX_ACCOUNT, currency: 'USD', amount: String(-(debit - revenue)), after: null },
          { account_id: FX_REVENUE_ACCOUNT, currency: 'USD', amount: String(-revenue), after: null },
        ]);
      }
      // Everything given back, to the unit: the source paid 1003 and got 1003 back, revenue 6 and 6.
      expect(debitBack).toBe(1_003n);
      expect(revenueBack).toBe(6n);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '5000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ EUR: '0' });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ EUR: '0', USD: '0' });
      expect(await balances(db, m, FX_REVENUE_ACCOUNT)).toEqual({ USD: '0' });
      expect(await refusalOf(reverse(m, 'rev-9', 'fx-1', 1n))).toMatchObject({ kind: 'REVERSAL_EXCEEDS_ORIGINAL', remainingMinor: 0n });
    });

    it('a cross-currency transfer in full at once gives back exactly the debit and the revenue', async () => {
      const m = merchant('rev_fx_full');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['JPY']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 10_000n);
      await ledger.transfer(m, 'fx-1', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 6_789n },
        credit: { currency: 'JPY', minor: 10_000n },
        revenue: { currency: 'USD', minor: 34n },
      });
      const r = await reverse(m, 'rev-1', 'fx-1', 10_000n);
      expect(r).toMatchObject({ debitBack: { currency: 'USD', minor: 6_789n }, creditBack: { currency: 'JPY', minor: 10_000n } });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '10000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ JPY: '0' });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ JPY: '0', USD: '0' });
      expect(await balances(db, m, FX_REVENUE_ACCOUNT)).toEqual({ USD: '0' });
    });

    it('many small parts of a cross-currency transfer never give back more than was paid, and never take from the source', async () => {
      // 0.05 USD paid for 8 JPY: each 1 JPY is worth 0.625 of a cent. Rounding every part on its
      // own (1 cent each) would have given back 0.05 USD after 5 JPY, then more than was paid,
      // and the last part would debit the source to make up for it.
      const m = merchant('rev_drift');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['JPY']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 100n);
      await ledger.transfer(m, 'fx-1', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 5n },
        credit: { currency: 'JPY', minor: 8n },
      });
      const backs: bigint[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await reverse(m, `rev-${i}`, 'fx-1', 1n);
        backs.push(r.debitBack.minor);
      }
      // Cumulative shares: after k JPY back, round(5 × k / 8) cents back in all.
      expect(backs).toEqual([1n, 0n, 1n, 0n, 1n, 1n, 0n, 1n]);
      let total = 0n;
      for (const b of backs) {
        expect(b).toBeGreaterThanOrEqual(0n);
        total += b;
        expect(total).toBeLessThanOrEqual(5n);
      }
      expect(total).toBe(5n);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '100' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ JPY: '0' });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ JPY: '0', USD: '0' });
    });

    it('is idempotent on its reference (the same answer, nothing posted); another amount is REFERENCE_REUSED', async () => {
      const m = merchant('rev_idem');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['EUR']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 5_000n);
      await ledger.transfer(m, 'fx-1', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 1_003n },
        credit: { currency: 'EUR', minor: 917n },
        revenue: { currency: 'USD', minor: 6n },
      });
      // A second transfer between the same wallets, for the same amounts.
      await ledger.transfer(m, 'fx-2', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 1_003n },
        credit: { currency: 'EUR', minor: 917n },
        revenue: { currency: 'USD', minor: 6n },
      });
      const first = await reverse(m, 'rev-1', 'fx-1', 200n);
      await reverse(m, 'rev-2', 'fx-1', 250n);
      const before = await snapshot(db, m);

      // Replayed after a later reversal: still the first answer.
      await expect(reverse(m, 'rev-1', 'fx-1', 200n)).resolves.toEqual({ ...first, replayed: true });
      const concurrent = await Promise.all(Array.from({ length: 4 }, () => reverse(m, 'rev-1', 'fx-1', 200n)));
      expect(concurrent.map((r) => [r.replayed, r.journalId])).toEqual(Array.from({ length: 4 }, () => [true, first.journalId]));
      expect(await refusalOf(reverse(m, 'rev-1', 'fx-1', 201n))).toEqual({ kind: 'REFERENCE_REUSED', reference: 'rev-1' });
      // The same reference and amount for another transfer is not a replay of the first one.
      expect(await refusalOf(reverse(m, 'rev-1', 'fx-2', 200n))).toEqual({ kind: 'REFERENCE_REUSED', reference: 'rev-1' });
      expect(await snapshot(db, m)).toEqual(before);

      // Concurrent new reversals: together they cannot exceed what is left (467).
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => reverse(m, `rev-c${i}`, 'fx-1', 150n)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      for (const r of results) {
        if (r.status === 'rejected')
          expect((r.reason as LedgerRefused).refusal).toMatchObject({ kind: 'REVERSAL_EXCEEDS_ORIGINAL', remainingMinor: 17n });
      }
      // 17 left of fx-1, fx-2 untouched.
      expect(await balances(db, m, 'ACC_B')).toEqual({ EUR: '934' });
    }, 30_000);

    it('TRANSFER_NOT_FOUND for an unknown reference, a deposit’s, a reversal’s or another merchant’s transfer', async () => {
      const m = merchant('rev_nf');
      await pair(m);
      await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 100n));
      await reverse(m, 'rev-1', 'tr-1', 10n);
      const before = await snapshot(db, m);
      for (const original of ['tr-nope', 'dep-a', 'rev-1']) {
        expect(await refusalOf(reverse(m, 'rev-x', original, 1n))).toEqual({ kind: 'TRANSFER_NOT_FOUND', reference: original });
      }
      expect(await refusalOf(reverse(merchant('rev_nf_other'), 'rev-x', 'tr-1', 1n))).toEqual({
        kind: 'TRANSFER_NOT_FOUND',
        reference: 'tr-1',
      });
      expect(await snapshot(db, m)).toEqual(before);
    });

    it('the destination already spent the money: INSUFFICIENT_FUNDS on it, nothing reversed, the reference not burned', async () => {
      const m = merchant('rev_spent');
      await pair(m);
      await wallet(m, 'ACC_C', ['USD']);
      await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 1_000n));
      await ledger.transfer(m, 'tr-2', same('ACC_B', 'ACC_C', 'USD', 800n));
      await ledger.hold(m, 'h-b', 'ACC_B', 'USD', 50n);
      const before = await snapshot(db, m);

      expect(await refusalOf(reverse(m, 'rev-1', 'tr-1', 151n))).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_B',
        currency: 'USD',
        availableMinor: 150n,
        requiredMinor: 151n,
      });
      expect(await snapshot(db, m)).toEqual(before);
      await expect(reverse(m, 'rev-1', 'tr-1', 150n)).resolves.toMatchObject({ replayed: false, debitBack: { minor: 150n } });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '9150' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '50/50' });
      // And a frozen party stops a reversal like any movement.
      await ledger.setStatus(m, 'ACC_A', 'freeze');
      expect(await refusalOf(reverse(m, 'rev-2', 'tr-1', 10n))).toEqual({ kind: 'ACCOUNT_INACTIVE', accountId: 'ACC_A', status: 'frozen' });
    });

    it('reverses a captured hold (its capture reference) like a transfer', async () => {
      const m = merchant('rev_capture');
      await pair(m);
      await ledger.hold(m, 'h-1', 'ACC_A', 'USD', 2_000n);
      await ledger.captureHold(m, 'h-1', 'cap-1', 'ACC_B', 1_200n, { currency: 'USD', minor: 1_200n });
      await expect(reverse(m, 'rev-1', 'cap-1', 1_200n)).resolves.toMatchObject({ debitBack: { currency: 'USD', minor: 1_200n } });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '10000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '0' });
    });
  });
});
