import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { Db, queryRows, sqlStateOf } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { FX_ACCOUNT, LedgerRuleError, SETTLEMENT_ACCOUNT } from '../domain/ledger';
import { LedgerRefused, LedgerRepository } from './ledger.repository';
import { merchant, same, refusalOf, balances, entriesOf, journalsOf, expectInvariants } from './ledger.test-helpers';

async function snapshot(db: Db, m: string) {
  const [row] = await queryRows<Record<string, string | null>>(
    db,
    sql`select
          (select count(*) from wallet.journals where merchant_id = ${m})::text as journals,
          (select count(*) from wallet.entries where merchant_id = ${m})::text as entries,
          (select count(*) from wallet.holds where merchant_id = ${m})::text as holds,
          (select string_agg(account_id || ':' || currency || '=' || ledger_minor::text || '/' || held_minor::text
                             || '@' || updated_at::text, ',' order by account_id, currency)
             from wallet.balances where merchant_id = ${m}) as balances,
          (select string_agg(account_id || ':' || currency || '=' || total::text, ',' order by account_id, currency)
             from (select account_id, currency, sum(amount_minor) as total from wallet.entries
                    where merchant_id = ${m} and account_id like 'house:%' group by account_id, currency) h) as house`,
  );
  return row;
}

describe.each<Driver>(DRIVERS)('LedgerRepository on %s', (driver) => {
  let t: ServiceTestDb;
  let db: Db;
  let ledger: LedgerRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'wallet', {
      poolSize: 10,
      beforeMigrate: async (pg) => {
        // Detect deadlocks fast (default 1 s): if lock order ever broke, the deadlock test fails quickly
        // instead of timing out. Best effort: needs a role allowed to set it.
        const admin = new Client({ connectionString: pg.url });
        await admin.connect();
        await admin.query(`alter database ${pg.name} set deadlock_timeout = '50ms'`).catch(() => undefined);
        await admin.end();
      },
    });
    db = t.db;
    ledger = new LedgerRepository(db);
  }, 60_000);

  afterEach(async () => {
    await expectInvariants(db);
  });

  afterAll(() => t?.close(), 30_000);

  const wallet = (m: string, accountId: string, currencies: string[] = ['USD'], allowOverdraft = false) =>
    ledger.createAccount(m, { accountId, currencies, defaultCurrency: currencies[0], allowOverdraft });

  describe('accounts', () => {
    it('creates a wallet with zero balances in each currency', async () => {
      const m = merchant('create');
      const created = await ledger.createAccount(m, {
        accountId: 'ACC_1',
        currencies: ['USD', 'EUR', 'IDR'],
        defaultCurrency: 'USD',
        allowOverdraft: false,
      });
      expect(created).toEqual({
        id: 'ACC_1',
        kind: 'wallet',
        status: 'active',
        defaultCurrency: 'USD',
        allowOverdraft: false,
        createdAt: expect.any(Date),
        currencies: ['EUR', 'IDR', 'USD'],
      });
      expect(Number.isNaN(created.createdAt.getTime())).toBe(false);

      const rows = await ledger.balancesOf(m, 'ACC_1');
      expect(rows.map(({ currency, ledgerMinor, heldMinor }) => ({ currency, ledgerMinor, heldMinor }))).toEqual([
        { currency: 'EUR', ledgerMinor: 0n, heldMinor: 0n },
        { currency: 'IDR', ledgerMinor: 0n, heldMinor: 0n },
        { currency: 'USD', ledgerMinor: 0n, heldMinor: 0n },
      ]);
      expect(await ledger.findAccount(m, 'ACC_1')).toEqual({ ...created, createdAt: expect.any(Date) });
      expect(await journalsOf(db, m)).toEqual([]);
    });

    it('refuses a duplicate id with ACCOUNT_EXISTS and keeps the first one as it was', async () => {
      const m = merchant('dup');
      await wallet(m, 'ACC_1', ['USD']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 700n);
      const before = await snapshot(db, m);

      expect(await refusalOf(wallet(m, 'ACC_1', ['EUR'], true))).toEqual({ kind: 'ACCOUNT_EXISTS', accountId: 'ACC_1' });
      expect(await snapshot(db, m)).toEqual(before);
      expect(await ledger.findAccount(m, 'ACC_1')).toMatchObject({ currencies: ['USD'], allowOverdraft: false });

      // The same id is free for another merchant.
      const other = merchant('dup_other');
      await expect(wallet(other, 'ACC_1', ['EUR'])).resolves.toMatchObject({ id: 'ACC_1', currencies: ['EUR'] });
    });

    it('findAccounts returns only this merchant’s wallets: no house accounts, no other merchant’s wallets', async () => {
      const m1 = merchant('iso1');
      const m2 = merchant('iso2');
      await wallet(m1, 'ACC_MINE', ['USD']);
      await wallet(m2, 'ACC_THEIRS', ['EUR']);
      await wallet(m2, 'ACC_BOTH', ['EUR']);
      await wallet(m1, 'ACC_BOTH', ['USD', 'JPY']);
      await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m1}, ${SETTLEMENT_ACCOUNT}, 'house', 'USD', true)`);
      await ledger.deposit(m1, 'dep-1', 'ACC_MINE', 'USD', 100n);

      const found = await ledger.findAccounts(m1, ['ACC_MINE', 'ACC_THEIRS', 'ACC_BOTH', SETTLEMENT_ACCOUNT, FX_ACCOUNT, 'ACC_NOPE']);
      expect([...found.keys()].sort()).toEqual(['ACC_BOTH', 'ACC_MINE']);
      expect(found.get('ACC_BOTH')).toMatchObject({ currencies: ['JPY', 'USD'], defaultCurrency: 'USD' });
      expect(found.get('ACC_MINE')).toMatchObject({ currencies: ['USD'] });

      expect(await ledger.findAccount(m1, 'ACC_THEIRS')).toBeUndefined();
      expect(await ledger.findAccount(m1, SETTLEMENT_ACCOUNT)).toBeUndefined();
      expect(await ledger.findAccount(m2, 'ACC_MINE')).toBeUndefined();
      expect(await ledger.findAccount(m2, 'ACC_BOTH')).toMatchObject({ currencies: ['EUR'] });
      expect((await ledger.findAccounts(m2, [])).size).toBe(0);
      // Balances are per merchant too.
      expect(await ledger.balancesOf(m2, 'ACC_MINE')).toEqual([]);
    });
    it('accountBalances: the wallet with its balances by currency, in one statement; none when it is not this merchant’s wallet', async () => {
      const m1 = merchant('bal1');
      const m2 = merchant('bal2');
      await wallet(m1, 'ACC_1', ['USD', 'EUR', 'JPY']);
      await wallet(m2, 'ACC_2', ['GBP']);
      await ledger.deposit(m1, 'dep-1', 'ACC_1', 'USD', 1_234n);
      await ledger.hold(m1, 'h-1', 'ACC_1', 'USD', 34n);
      await ledger.deposit(m1, 'dep-2', 'ACC_1', 'GBP', 5n);

      const found = await ledger.accountBalances(m1, 'ACC_1');
      expect(found).toEqual({
        id: 'ACC_1',
        defaultCurrency: 'USD',
        balances: [
          { currency: 'EUR', ledgerMinor: 0n, heldMinor: 0n, updatedAt: expect.any(Date) },
          { currency: 'GBP', ledgerMinor: 5n, heldMinor: 0n, updatedAt: expect.any(Date) },
          { currency: 'JPY', ledgerMinor: 0n, heldMinor: 0n, updatedAt: expect.any(Date) },
          { currency: 'USD', ledgerMinor: 1_234n, heldMinor: 34n, updatedAt: expect.any(Date) },
        ],
      });
      const stamps = await queryRows<{ currency: string; updated_at: Date | string }>(
        db,
        sql`select currency, updated_at from wallet.balances where merchant_id = ${m1} and account_id = 'ACC_1' order by currency`,
      );
      expect(found!.balances.map((b) => [b.currency, b.updatedAt.toISOString()])).toEqual(
        stamps.map((r) => [r.currency.trim(), new Date(r.updated_at).toISOString()]),
      );
      expect(await ledger.balancesOf(m1, 'ACC_1')).toEqual(found!.balances);

      // Another merchant's wallet, a missing one and a house account are all simply not found.
      expect(await ledger.accountBalances(m2, 'ACC_1')).toBeUndefined();
      expect(await ledger.accountBalances(m1, 'ACC_2')).toBeUndefined();
      expect(await ledger.accountBalances(m1, 'ACC_NOPE')).toBeUndefined();
      await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m1}, ${SETTLEMENT_ACCOUNT}, 'house', 'USD', true)`);
      expect(await ledger.accountBalances(m1, SETTLEMENT_ACCOUNT)).toBeUndefined();

      // A wallet without any balance row: found, with no balances.
      await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m1}, 'ACC_EMPTY', 'wallet', 'EUR', false)`);
      expect(await ledger.accountBalances(m1, 'ACC_EMPTY')).toEqual({ id: 'ACC_EMPTY', defaultCurrency: 'EUR', balances: [] });
      expect(await ledger.balancesOf(m1, 'ACC_EMPTY')).toEqual([]);
      expect(await ledger.findAccount(m1, 'ACC_EMPTY')).toMatchObject({ currencies: [], defaultCurrency: 'EUR' });
    });

    it('accountBalances at once (batched in one statement): each caller gets its own wallet, its own copy, and what was committed before it asked', async () => {
      const m = merchant('bal-batch');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['EUR', 'USD']);
      await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                           values (${m}, 'ACC_NONE', 'wallet', 'GBP', false)`);
      await ledger.deposit(m, 'dep-a', 'ACC_A', 'USD', 100n);
      const ids = ['ACC_A', 'ACC_B', 'ACC_NOPE', 'ACC_A', 'ACC_NONE', 'ACC_B'];
      const reads = await Promise.all(ids.map((id) => ledger.accountBalances(m, id)));
      const summary = reads.map((r) => r && [r.id, r.defaultCurrency, r.balances.map((b) => `${b.currency} ${b.ledgerMinor}`)]);
      expect(summary).toEqual([
        ['ACC_A', 'USD', ['USD 100']],
        ['ACC_B', 'EUR', ['EUR 0', 'USD 0']],
        undefined,
        ['ACC_A', 'USD', ['USD 100']],
        ['ACC_NONE', 'GBP', []],
        ['ACC_B', 'EUR', ['EUR 0', 'USD 0']],
      ]);
      // The first read runs alone; the five after it queue and go together, ACC_B twice.
      expect(reads[1]).not.toBe(reads[5]);
      reads[1]!.balances[0].ledgerMinor = 7n;
      expect(reads[5]!.balances[0].ledgerMinor).toBe(0n);

      // A read that starts after a deposit committed sees it, even while an earlier batch runs.
      const first = ledger.accountBalances(m, 'ACC_A');
      await ledger.deposit(m, 'dep-a2', 'ACC_A', 'USD', 5n);
      const after = await ledger.accountBalances(m, 'ACC_A');
      expect((await first)!.balances[0].ledgerMinor).toBeGreaterThanOrEqual(100n);
      expect(after!.balances[0].ledgerMinor).toBe(105n);
    });
  });

  describe('deposit', () => {
    it('credits the wallet from house:settlement, with the running balance on the wallet entry', async () => {
      const m = merchant('dep');
      await wallet(m, 'ACC_1', ['USD']);

      const d1 = await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 10_000n);
      expect(d1).toEqual({
        journalId: expect.any(BigInt),
        createdAt: expect.any(Date),
        replayed: false,
        accountId: 'ACC_1',
        currency: 'USD',
        minor: 10_000n,
        ledgerMinor: 10_000n,
        heldMinor: 0n,
      });
      const d2 = await ledger.deposit(m, 'dep-2', 'ACC_1', 'USD', 2_550n);
      expect(d2).toMatchObject({ replayed: false, ledgerMinor: 12_550n });
      expect(d2.journalId).not.toBe(d1.journalId);

      expect(await balances(db, m, 'ACC_1')).toEqual({ USD: '12550' });
      expect(await balances(db, m, SETTLEMENT_ACCOUNT)).toEqual({ USD: '-12550' });
      expect(await entriesOf(db, d1.journalId)).toEqual([
        { account_id: 'ACC_1', currency: 'USD', amount: '10000', after: '10000' },
        { account_id: SETTLEMENT_ACCOUNT, currency: 'USD', amount: '-10000', after: null },
      ]);
      expect(await entriesOf(db, d2.journalId)).toEqual([
        { account_id: 'ACC_1', currency: 'USD', amount: '2550', after: '12550' },
        { account_id: SETTLEMENT_ACCOUNT, currency: 'USD', amount: '-2550', after: null },
      ]);
      expect(await journalsOf(db, m)).toEqual([
        { kind: 'deposit', reference: 'deposit:dep-1' },
        { kind: 'deposit', reference: 'deposit:dep-2' },
      ]);
    });

    it('opens a balance in a currency new to the wallet', async () => {
      const m = merchant('dep_new');
      await wallet(m, 'ACC_1', ['USD']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'GBP', 42n);
      expect(await balances(db, m, 'ACC_1')).toEqual({ GBP: '42', USD: '0' });
      expect((await ledger.findAccount(m, 'ACC_1'))?.currencies).toEqual(['GBP', 'USD']);
    });

    it('replays the same reference with the same body: same journal, nothing posted twice', async () => {
      const m = merchant('dep_replay');
      await wallet(m, 'ACC_1', ['USD']);
      const first = await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 500n);
      const before = await snapshot(db, m);

      const again = await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 500n);
      expect(again).toEqual({ ...first, replayed: true, createdAt: first.createdAt });
      expect(await snapshot(db, m)).toEqual(before);

      // Concurrent replays of a fresh reference: exactly one posts.
      const results = await Promise.all(Array.from({ length: 6 }, () => ledger.deposit(m, 'dep-2', 'ACC_1', 'USD', 100n)));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.journalId)).size).toBe(1);
      expect(await balances(db, m, 'ACC_1')).toEqual({ USD: '600' });
    });

    it('refuses the same reference with a different amount, currency or account (REFERENCE_REUSED)', async () => {
      const m = merchant('dep_reuse');
      await wallet(m, 'ACC_1', ['USD', 'EUR']);
      await wallet(m, 'ACC_2', ['USD']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 500n);
      const before = await snapshot(db, m);

      const reused = { kind: 'REFERENCE_REUSED', reference: 'dep-1' };
      expect(await refusalOf(ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 501n))).toEqual(reused);
      expect(await refusalOf(ledger.deposit(m, 'dep-1', 'ACC_1', 'EUR', 500n))).toEqual(reused);
      expect(await refusalOf(ledger.deposit(m, 'dep-1', 'ACC_2', 'USD', 500n))).toEqual(reused);
      expect(await snapshot(db, m)).toEqual(before);
    });

    it('refuses an unknown account (ACCOUNT_NOT_FOUND) and rolls the journal claim back', async () => {
      const m = merchant('dep_missing');
      expect(await refusalOf(ledger.deposit(m, 'dep-1', 'ACC_GHOST', 'USD', 500n))).toEqual({
        kind: 'ACCOUNT_NOT_FOUND',
        accountId: 'ACC_GHOST',
      });
      expect(await snapshot(db, m)).toEqual({ journals: '0', entries: '0', holds: '0', balances: null, house: null });

      // The reference was not burned: once the wallet exists, the same deposit goes through.
      await wallet(m, 'ACC_GHOST', ['USD']);
      await expect(ledger.deposit(m, 'dep-1', 'ACC_GHOST', 'USD', 500n)).resolves.toMatchObject({ replayed: false, ledgerMinor: 500n });
    });

    it('refuses another merchant’s wallet as not found', async () => {
      const m1 = merchant('dep_iso1');
      const m2 = merchant('dep_iso2');
      await wallet(m1, 'ACC_1', ['USD']);
      expect(await refusalOf(ledger.deposit(m2, 'dep-1', 'ACC_1', 'USD', 500n))).toMatchObject({ kind: 'ACCOUNT_NOT_FOUND' });
      expect(await balances(db, m1, 'ACC_1')).toEqual({ USD: '0' });
    });

    it('returns the balance after with what is held, and a replay the balance as it is now', async () => {
      const m = merchant('dep_held');
      await wallet(m, 'ACC_1', ['USD']);
      await ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 1_000n);
      await ledger.hold(m, 'h-1', 'ACC_1', 'USD', 300n);
      await expect(ledger.deposit(m, 'dep-2', 'ACC_1', 'USD', 50n)).resolves.toMatchObject({
        replayed: false,
        ledgerMinor: 1_050n,
        heldMinor: 300n,
      });
      await expect(ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 1_000n)).resolves.toMatchObject({
        replayed: true,
        minor: 1_000n,
        ledgerMinor: 1_050n,
        heldMinor: 300n,
      });
    });

    it('refuses a closed wallet (ACCOUNT_INACTIVE closed) without burning the reference for another', async () => {
      const m = merchant('dep_closed');
      await wallet(m, 'ACC_1', ['USD']);
      await ledger.setStatus(m, 'ACC_1', 'close');
      const before = await snapshot(db, m);
      expect(await refusalOf(ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 500n))).toEqual({
        kind: 'ACCOUNT_INACTIVE',
        accountId: 'ACC_1',
        status: 'closed',
      });
      expect(await snapshot(db, m)).toEqual(before);
      await wallet(m, 'ACC_2', ['USD']);
      await expect(ledger.deposit(m, 'dep-1', 'ACC_2', 'USD', 500n)).resolves.toMatchObject({ replayed: false, ledgerMinor: 500n });
    });

    it('refuses a non-positive amount before touching the database', async () => {
      const m = merchant('dep_zero');
      await wallet(m, 'ACC_1', ['USD']);
      await expect(ledger.deposit(m, 'dep-1', 'ACC_1', 'USD', 0n)).rejects.toThrow(LedgerRuleError);
      await expect(ledger.deposit(m, 'dep-2', 'ACC_1', 'USD', -5n)).rejects.toThrow(LedgerRuleError);
      expect(await journalsOf(db, m)).toEqual([]);
    });
  });

  describe('transfer, same currency', () => {
    it('moves funds in 2 entries, each carrying its wallet’s running balance', async () => {
      const m = merchant('xfer');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 10_000n);

      const t1 = await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 3_000n));
      expect(t1).toEqual({ journalId: expect.any(BigInt), createdAt: expect.any(Date), replayed: false });
      const t2 = await ledger.transfer(m, 'tr-2', same('ACC_B', 'ACC_A', 'USD', 1_250n));
      const t3 = await ledger.transfer(m, 'tr-3', same('ACC_A', 'ACC_B', 'USD', 8_250n));

      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '0' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '10000' });
      expect(await entriesOf(db, t1.journalId)).toEqual([
        { account_id: 'ACC_A', currency: 'USD', amount: '-3000', after: '7000' },
        { account_id: 'ACC_B', currency: 'USD', amount: '3000', after: '3000' },
      ]);
      expect(await entriesOf(db, t2.journalId)).toEqual([
        { account_id: 'ACC_A', currency: 'USD', amount: '1250', after: '8250' },
        { account_id: 'ACC_B', currency: 'USD', amount: '-1250', after: '1750' },
      ]);
      expect(await entriesOf(db, t3.journalId)).toEqual([
        { account_id: 'ACC_A', currency: 'USD', amount: '-8250', after: '0' },
        { account_id: 'ACC_B', currency: 'USD', amount: '8250', after: '10000' },
      ]);
      // No FX legs on a same-currency transfer.
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({});
      expect((await journalsOf(db, m)).map((j) => j.kind)).toEqual(['deposit', 'transfer', 'transfer', 'transfer']);
    });

    it('is idempotent on the reference: a second call is a replay, balances unchanged, one journal', async () => {
      const m = merchant('xfer_replay');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 10_000n);
      const first = await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 4_000n));
      const before = await snapshot(db, m);

      const again = await ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 4_000n));
      expect(again).toEqual({ journalId: first.journalId, createdAt: first.createdAt, replayed: true });
      expect(await snapshot(db, m)).toEqual(before);
      expect((await journalsOf(db, m)).filter((j) => j.reference === 'transfer:tr-1')).toHaveLength(1);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '6000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '4000' });

      // Concurrent duplicates of a fresh reference: exactly one moves money.
      const results = await Promise.all(Array.from({ length: 8 }, () => ledger.transfer(m, 'tr-2', same('ACC_A', 'ACC_B', 'USD', 1_000n))));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.journalId)).size).toBe(1);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '5000' });
    });

    it('refuses unknown, foreign and inactive wallets and leaves nothing behind', async () => {
      const m = merchant('xfer_refuse');
      const other = merchant('xfer_other');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_F', ['USD']);
      await wallet(other, 'ACC_X', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 1_000n);
      await db.execute(sql`update wallet.accounts set status = 'frozen' where merchant_id = ${m} and id = 'ACC_F'`);
      const before = await snapshot(db, m);

      expect(await refusalOf(ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_NOPE', 'USD', 100n)))).toEqual({
        kind: 'ACCOUNT_NOT_FOUND',
        accountId: 'ACC_NOPE',
      });
      expect(await refusalOf(ledger.transfer(m, 'tr-2', same('ACC_A', 'ACC_X', 'USD', 100n)))).toEqual({
        kind: 'ACCOUNT_NOT_FOUND',
        accountId: 'ACC_X',
      });
      expect(await refusalOf(ledger.transfer(m, 'tr-3', same('ACC_A', 'ACC_F', 'USD', 100n)))).toEqual({
        kind: 'ACCOUNT_INACTIVE',
        accountId: 'ACC_F',
        status: 'frozen',
      });
      // House accounts are not wallets: nobody transfers into (or out of) house:settlement.
      expect(await refusalOf(ledger.transfer(m, 'tr-4', same('ACC_A', SETTLEMENT_ACCOUNT, 'USD', 100n)))).toMatchObject({
        kind: 'ACCOUNT_NOT_FOUND',
      });
      await expect(ledger.transfer(m, 'tr-5', same('ACC_A', 'ACC_A', 'USD', 100n))).rejects.toThrow(LedgerRuleError);
      expect(await snapshot(db, m)).toEqual(before);
    });
  });

  describe('references', () => {
    it('a transfer reference replayed with another body is refused (REFERENCE_REUSED), nothing moves', async () => {
      const m = merchant('ref_reuse');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 10_000n);
      await ledger.transfer(m, 'T1', same('ACC_A', 'ACC_B', 'USD', 300n));
      const before = await snapshot(db, m);
      expect(await refusalOf(ledger.transfer(m, 'T1', same('ACC_B', 'ACC_A', 'USD', 999n)))).toMatchObject({
        kind: 'REFERENCE_REUSED',
        reference: 'T1',
      });
      expect(await refusalOf(ledger.transfer(m, 'T1', same('ACC_A', 'ACC_B', 'USD', 301n)))).toMatchObject({ kind: 'REFERENCE_REUSED' });
      expect(await snapshot(db, m)).toEqual(before);
    });

    it('deposits and transfers have separate reference namespaces', async () => {
      const m = merchant('ref_ns');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await ledger.deposit(m, 'X', 'ACC_A', 'USD', 1_000n);
      // A transfer whose reference spells the deposit's journal reference is a new operation.
      const t = await ledger.transfer(m, 'deposit:X', same('ACC_A', 'ACC_B', 'USD', 400n));
      expect(t.replayed).toBe(false);
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '400' });
      // And the deposit still replays as itself.
      expect((await ledger.deposit(m, 'X', 'ACC_A', 'USD', 1_000n)).replayed).toBe(true);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '600' });
    });

    it('an overdraft wallet may go below zero in a currency it never held; holds must be positive', async () => {
      const m = merchant('od_new');
      await wallet(m, 'ACC_OD', ['USD'], true);
      await wallet(m, 'ACC_B', ['EUR']);
      await ledger.transfer(m, 'od-1', same('ACC_OD', 'ACC_B', 'EUR', 250n));
      expect(await balances(db, m, 'ACC_OD')).toEqual({ EUR: '-250', USD: '0' });
      await ledger.hold(m, 'od-h', 'ACC_OD', 'GBP', 100n);
      await expect(ledger.hold(m, 'neg', 'ACC_OD', 'USD', -500n)).rejects.toThrow(/positive/);
      await expect(ledger.hold(m, 'zero', 'ACC_OD', 'USD', 0n)).rejects.toThrow(/positive/);
    });
  });

  describe('transfer, cross currency', () => {
    it('posts 4 entries through house:fx, balanced per currency, opening the destination’s new currency', async () => {
      const m = merchant('fx');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['EUR']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 10_000n);

      const t = await ledger.transfer(m, 'fx-1', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 2_500n },
        credit: { currency: 'IDR', minor: 38_750_000n },
      });
      expect(t.replayed).toBe(false);
      expect(await entriesOf(db, t.journalId)).toEqual([
        { account_id: 'ACC_A', currency: 'USD', amount: '-2500', after: '7500' },
        { account_id: 'ACC_B', currency: 'IDR', amount: '38750000', after: '38750000' },
        { account_id: FX_ACCOUNT, currency: 'IDR', amount: '-38750000', after: null },
        { account_id: FX_ACCOUNT, currency: 'USD', amount: '2500', after: null },
      ]);
      const sums = await queryRows<{ currency: string; total: string }>(
        db,
        sql`select currency, sum(amount_minor)::text as total from wallet.entries
             where journal_id = ${t.journalId.toString()}::bigint group by currency order by currency`,
      );
      expect(sums).toEqual([
        { currency: 'IDR', total: '0' },
        { currency: 'USD', total: '0' },
      ]);
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '7500' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ EUR: '0', IDR: '38750000' });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ IDR: '-38750000', USD: '2500' });
      expect((await ledger.findAccount(m, 'ACC_B'))?.currencies).toEqual(['EUR', 'IDR']);

      // A second conversion adds to the existing FX house balances and the now-open IDR balance.
      const t2 = await ledger.transfer(m, 'fx-2', {
        sourceAccount: 'ACC_A',
        destinationAccount: 'ACC_B',
        debit: { currency: 'USD', minor: 100n },
        credit: { currency: 'IDR', minor: 1_550_000n },
      });
      expect(await entriesOf(db, t2.journalId)).toContainEqual({
        account_id: 'ACC_B',
        currency: 'IDR',
        amount: '1550000',
        after: '40300000',
      });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ IDR: '-40300000', USD: '2600' });

      // Replay posts nothing.
      const before = await snapshot(db, m);
      await expect(
        ledger.transfer(m, 'fx-2', {
          sourceAccount: 'ACC_A',
          destinationAccount: 'ACC_B',
          debit: { currency: 'USD', minor: 100n },
          credit: { currency: 'IDR', minor: 1_550_000n },
        }),
      ).resolves.toMatchObject({ journalId: t2.journalId, replayed: true });
      expect(await snapshot(db, m)).toEqual(before);
    });
  });

  describe('funds', () => {
    it('refuses an overdraft with INSUFFICIENT_FUNDS (available and required) and changes nothing', async () => {
      const m = merchant('nsf');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 5_000n);
      const before = await snapshot(db, m);

      expect(await refusalOf(ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 5_001n)))).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_A',
        currency: 'USD',
        availableMinor: 5_000n,
        requiredMinor: 5_001n,
      });
      expect(await snapshot(db, m)).toEqual(before);
      expect((await journalsOf(db, m)).map((j) => j.reference)).toEqual(['deposit:dep']);

      // A currency the wallet has no balance in: nothing available.
      expect(await refusalOf(ledger.transfer(m, 'tr-2', same('ACC_A', 'ACC_B', 'EUR', 1n)))).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_A',
        currency: 'EUR',
        availableMinor: 0n,
        requiredMinor: 1n,
      });
      expect(await snapshot(db, m)).toEqual(before);

      // The refused reference was not burned.
      await expect(ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 5_000n))).resolves.toMatchObject({ replayed: false });
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '0' });
    });

    it('rolls back house legs already applied when a cross-currency debit is refused', async () => {
      const m = merchant('nsf_fx');
      // Lowercase ids sort after "house:fx", so the FX legs are applied before the wallet debit fails.
      await wallet(m, 'zz_src', ['USD']);
      await wallet(m, 'zz_dst', ['EUR']);
      await ledger.deposit(m, 'dep', 'zz_src', 'USD', 1_000n);
      const before = await snapshot(db, m);

      const refusal = await refusalOf(
        ledger.transfer(m, 'fx-1', {
          sourceAccount: 'zz_src',
          destinationAccount: 'zz_dst',
          debit: { currency: 'USD', minor: 1_001n },
          credit: { currency: 'EUR', minor: 900n },
        }),
      );
      expect(refusal).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'zz_src',
        currency: 'USD',
        availableMinor: 1_000n,
        requiredMinor: 1_001n,
      });
      expect(await snapshot(db, m)).toEqual(before);
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({});
    });

    it('holds reduce what can be transferred', async () => {
      const m = merchant('nsf_hold');
      await wallet(m, 'ACC_A', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 10_000n);
      await ledger.hold(m, 'hold-1', 'ACC_A', 'USD', 7_000n);

      expect(await refusalOf(ledger.transfer(m, 'tr-1', same('ACC_A', 'ACC_B', 'USD', 3_001n)))).toMatchObject({
        kind: 'INSUFFICIENT_FUNDS',
        availableMinor: 3_000n,
        requiredMinor: 3_001n,
      });
      await ledger.transfer(m, 'tr-2', same('ACC_A', 'ACC_B', 'USD', 3_000n));
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '7000/7000' });
      expect(await refusalOf(ledger.transfer(m, 'tr-3', same('ACC_A', 'ACC_B', 'USD', 1n)))).toMatchObject({
        kind: 'INSUFFICIENT_FUNDS',
        availableMinor: 0n,
      });
      const [bal] = await ledger.balancesOf(m, 'ACC_A');
      expect(bal).toMatchObject({ currency: 'USD', ledgerMinor: 7_000n, heldMinor: 7_000n });
    });

    it('lets an allow_overdraft wallet go negative (also by a hold), with negative running balances', async () => {
      const m = merchant('overdraft');
      await wallet(m, 'ACC_OD', ['USD'], true);
      await wallet(m, 'ACC_B', ['USD']);

      const t1 = await ledger.transfer(m, 'tr-1', same('ACC_OD', 'ACC_B', 'USD', 1_500n));
      expect(await entriesOf(db, t1.journalId)).toEqual([
        { account_id: 'ACC_B', currency: 'USD', amount: '1500', after: '1500' },
        { account_id: 'ACC_OD', currency: 'USD', amount: '-1500', after: '-1500' },
      ]);
      await ledger.transfer(m, 'tr-2', same('ACC_OD', 'ACC_B', 'USD', 500n));
      await ledger.hold(m, 'hold-1', 'ACC_OD', 'USD', 250n);
      expect(await balances(db, m, 'ACC_OD')).toEqual({ USD: '-2000/250' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '2000' });
      // The receiving wallet has no overdraft: it can only send back what it has.
      expect(await refusalOf(ledger.transfer(m, 'tr-3', same('ACC_B', 'ACC_OD', 'USD', 2_001n)))).toMatchObject({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_B',
      });
    });
  });

  describe('hold', () => {
    it('reserves funds (held rises, ledger does not), idempotent on the reference', async () => {
      const m = merchant('hold');
      await wallet(m, 'ACC_A', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 1_000n);

      const h1 = await ledger.hold(m, 'hold-1', 'ACC_A', 'USD', 400n);
      expect(h1).toEqual({ journalId: expect.any(BigInt), createdAt: expect.any(Date), replayed: false });
      expect(await balances(db, m, 'ACC_A')).toEqual({ EUR: '0', USD: '1000/400' });

      const again = await ledger.hold(m, 'hold-1', 'ACC_A', 'USD', 400n);
      expect(again).toEqual({ ...h1, replayed: true });
      expect(await balances(db, m, 'ACC_A')).toEqual({ EUR: '0', USD: '1000/400' });

      const h2 = await ledger.hold(m, 'hold-2', 'ACC_A', 'USD', 600n);
      expect(h2.journalId).not.toBe(h1.journalId);
      expect(await balances(db, m, 'ACC_A')).toEqual({ EUR: '0', USD: '1000/1000' });
      // No journal, no entries: a hold is not a posting.
      expect((await journalsOf(db, m)).map((j) => j.kind)).toEqual(['deposit']);
    });

    it('refuses beyond available (INSUFFICIENT_FUNDS) and leaves no hold behind', async () => {
      const m = merchant('hold_nsf');
      await wallet(m, 'ACC_A', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 1_000n);
      await ledger.hold(m, 'hold-1', 'ACC_A', 'USD', 300n);
      const before = await snapshot(db, m);

      expect(await refusalOf(ledger.hold(m, 'hold-2', 'ACC_A', 'USD', 701n))).toEqual({
        kind: 'INSUFFICIENT_FUNDS',
        accountId: 'ACC_A',
        currency: 'USD',
        availableMinor: 700n,
        requiredMinor: 701n,
      });
      expect(await refusalOf(ledger.hold(m, 'hold-3', 'ACC_A', 'EUR', 1n))).toMatchObject({
        kind: 'INSUFFICIENT_FUNDS',
        availableMinor: 0n,
      });
      expect(await refusalOf(ledger.hold(m, 'hold-4', 'ACC_NOPE', 'USD', 1n))).toEqual({
        kind: 'ACCOUNT_NOT_FOUND',
        accountId: 'ACC_NOPE',
      });
      expect(await snapshot(db, m)).toEqual(before);

      // The refused reference was not burned.
      await expect(ledger.hold(m, 'hold-2', 'ACC_A', 'USD', 700n)).resolves.toMatchObject({ replayed: false });
      expect(await balances(db, m, 'ACC_A')).toEqual({ EUR: '0', USD: '1000/1000' });
    });

    it('never over-reserves under concurrency', async () => {
      const m = merchant('hold_race');
      await wallet(m, 'ACC_A', ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_A', 'USD', 1_000n);
      const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => ledger.hold(m, `h-${i}`, 'ACC_A', 'USD', 100n)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as LedgerRefused).refusal).toMatchObject({ kind: 'INSUFFICIENT_FUNDS' });
      }
      expect(await balances(db, m, 'ACC_A')).toEqual({ USD: '1000/1000' });
    }, 30_000);
  });

  describe('concurrency', () => {
    it('40 concurrent 5.00 transfers from a 100.00 wallet: exactly 20 succeed, the wallet ends at exactly 0', async () => {
      const m = merchant('race');
      await wallet(m, 'ACC_SRC', ['USD']);
      for (let i = 0; i < 40; i++) await wallet(m, `ACC_DST_${String(i).padStart(2, '0')}`, ['USD']);
      await ledger.deposit(m, 'dep', 'ACC_SRC', 'USD', 10_000n);

      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          ledger.transfer(m, `race-${i}`, same('ACC_SRC', `ACC_DST_${String(i).padStart(2, '0')}`, 'USD', 500n)),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(refused.filter((e) => !(e instanceof LedgerRefused))).toEqual([]);
      expect(refused.map((e) => (e as LedgerRefused).refusal)).toEqual(
        Array.from({ length: 20 }, () => ({
          kind: 'INSUFFICIENT_FUNDS',
          accountId: 'ACC_SRC',
          currency: 'USD',
          availableMinor: 0n,
          requiredMinor: 500n,
        })),
      );
      expect(ok).toHaveLength(20);

      expect(await balances(db, m, 'ACC_SRC')).toEqual({ USD: '0' });
      const [totals] = await queryRows<{ dst: string; funded: number; journals: number }>(
        db,
        sql`select (select sum(ledger_minor)::text from wallet.balances where merchant_id = ${m} and account_id like 'ACC_DST_%') as dst,
                   (select count(*)::int from wallet.balances where merchant_id = ${m} and account_id like 'ACC_DST_%' and ledger_minor = 500) as funded,
                   (select count(*)::int from wallet.journals where merchant_id = ${m} and kind = 'transfer') as journals`,
      );
      expect(totals).toEqual({ dst: '10000', funded: 20, journals: 20 });
      // Each successful debit saw a distinct running balance: 95.00, 90.00, …, 0.00.
      const afters = await queryRows<{ after: string }>(
        db,
        sql`select balance_after_minor::text as after from wallet.entries
             where merchant_id = ${m} and account_id = 'ACC_SRC' and amount_minor < 0 order by id`,
      );
      expect(afters.map((a) => a.after)).toEqual(Array.from({ length: 20 }, (_, i) => String(9_500 - 500 * i)));
    }, 30_000);

    it('one batch from a hot wallet: each refused transfer rolls back alone, the others post and replay', async () => {
      const m = merchant('batch');
      await wallet(m, 'ACC_SRC', ['USD']);
      await wallet(m, 'ACC_B', ['USD']);
      await wallet(m, 'ACC_C', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep', 'ACC_SRC', 'USD', 1_000n);
      await ledger.transfer(m, 'old', same('ACC_SRC', 'ACC_B', 'USD', 100n));

      // Submitted together (in one turn of the event loop): one batch, one statement, in order.
      const batches = jest.spyOn(ledger as unknown as { transferBatch: (items: unknown[]) => Promise<unknown> }, 'transferBatch');
      const calls = [
        ledger.transfer(m, 'b-1', same('ACC_SRC', 'ACC_B', 'USD', 200n)),
        ledger.transfer(m, 'b-2', same('ACC_SRC', 'ACC_C', 'USD', 300n)),
        ledger.transfer(m, 'b-3', same('ACC_SRC', 'ACC_B', 'USD', 900n)), // more than is left
        ledger.transfer(m, 'old', same('ACC_SRC', 'ACC_C', 'USD', 100n)), // the reference, other legs
        ledger.transfer(m, 'b-4', same('ACC_SRC', 'ACC_GHOST', 'USD', 10n)),
        ledger.transfer(m, 'b-5', {
          sourceAccount: 'ACC_SRC',
          destinationAccount: 'ACC_C',
          debit: { currency: 'USD', minor: 110n },
          credit: { currency: 'EUR', minor: 100n },
          revenue: { currency: 'USD', minor: 2n },
        }),
        ledger.transfer(m, 'b-2', same('ACC_SRC', 'ACC_C', 'USD', 300n)), // same body: a replay
        ledger.transfer(m, 'old', same('ACC_SRC', 'ACC_B', 'USD', 100n)), // same body: a replay
      ];
      const results = await Promise.allSettled(calls);
      expect(batches.mock.calls.map(([items]) => items.length)).toEqual([8]);
      batches.mockRestore();
      const outcome = results.map((r) => (r.status === 'fulfilled' ? { replayed: r.value.replayed } : (r.reason as LedgerRefused).refusal));
      expect(outcome).toEqual([
        { replayed: false },
        { replayed: false },
        { kind: 'INSUFFICIENT_FUNDS', accountId: 'ACC_SRC', currency: 'USD', availableMinor: 400n, requiredMinor: 900n },
        { kind: 'REFERENCE_REUSED', reference: 'old' },
        { kind: 'ACCOUNT_NOT_FOUND', accountId: 'ACC_GHOST' },
        { replayed: false },
        { replayed: true },
        { replayed: true },
      ]);
      const value = (i: number) => (results[i] as PromiseFulfilledResult<{ journalId: bigint }>).value.journalId;
      expect(value(6)).toBe(value(1));

      expect(await balances(db, m, 'ACC_SRC')).toEqual({ USD: '290' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ USD: '300' });
      expect(await balances(db, m, 'ACC_C')).toEqual({ EUR: '100', USD: '300' });
      expect((await journalsOf(db, m)).map((j) => j.reference)).toEqual([
        'deposit:dep',
        'transfer:old',
        'transfer:b-1',
        'transfer:b-2',
        'transfer:b-5',
      ]);
      expect(await entriesOf(db, value(5))).toEqual([
        { account_id: 'ACC_C', currency: 'EUR', amount: '100', after: '100' },
        { account_id: 'ACC_SRC', currency: 'USD', amount: '-110', after: '290' },
        { account_id: FX_ACCOUNT, currency: 'EUR', amount: '-100', after: null },
        { account_id: FX_ACCOUNT, currency: 'USD', amount: '108', after: null },
        { account_id: 'house:fx_revenue', currency: 'USD', amount: '2', after: null },
      ]);
    });

    it('opposite-direction transfers between two wallets, interleaved: no deadlock surfaces, totals conserved', async () => {
      const m = merchant('pingpong');
      await wallet(m, 'ACC_A', ['USD', 'EUR']);
      await wallet(m, 'ACC_B', ['USD', 'EUR']);
      await ledger.deposit(m, 'dep-a', 'ACC_A', 'USD', 10_000n);
      await ledger.deposit(m, 'dep-b', 'ACC_B', 'USD', 10_000n);
      await ledger.deposit(m, 'dep-a-eur', 'ACC_A', 'EUR', 10_000n);
      await ledger.deposit(m, 'dep-b-eur', 'ACC_B', 'EUR', 10_000n);
      const deadlocksBefore = await deadlockCount();

      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 30; i++) {
        calls.push(ledger.transfer(m, `ab-${i}`, same('ACC_A', 'ACC_B', 'USD', 100n + BigInt(i))));
        calls.push(ledger.transfer(m, `ba-${i}`, same('ACC_B', 'ACC_A', 'USD', 100n + BigInt(i))));
        // Cross-currency both ways too: four wallet balance rows plus two house:fx entries in every journal.
        calls.push(
          ledger.transfer(m, `ab-fx-${i}`, {
            sourceAccount: 'ACC_A',
            destinationAccount: 'ACC_B',
            debit: { currency: 'USD', minor: 10n },
            credit: { currency: 'EUR', minor: 9n },
          }),
        );
        calls.push(
          ledger.transfer(m, `ba-fx-${i}`, {
            sourceAccount: 'ACC_B',
            destinationAccount: 'ACC_A',
            debit: { currency: 'EUR', minor: 9n },
            credit: { currency: 'USD', minor: 10n },
          }),
        );
      }
      const results = await Promise.allSettled(calls);
      // Nothing failed: in particular no deadlock (40P01) got through retryTransaction.
      const failures = results.flatMap((r) =>
        r.status === 'rejected' ? [`${sqlStateOf(r.reason) ?? '-'} ${(r.reason as Error)?.cause ?? r.reason}`] : [],
      );
      expect(failures).toEqual([]);

      // Every transfer was matched by an equal one the other way.
      expect(await balances(db, m, 'ACC_A')).toEqual({ EUR: '10000', USD: '10000' });
      expect(await balances(db, m, 'ACC_B')).toEqual({ EUR: '10000', USD: '10000' });
      expect(await balances(db, m, FX_ACCOUNT)).toEqual({ EUR: '0', USD: '0' });
      const [n] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from wallet.journals where merchant_id = ${m} and kind = 'transfer'`,
      );
      expect(n.n).toBe(120);
      // Lock order means PostgreSQL never had to break a deadlock (not merely that retries hid them).
      // (Statistics are flushed lazily, so this can only under-count, never fail spuriously.)
      expect(await deadlockCount()).toBe(deadlocksBefore);
    }, 30_000);

    it('concurrent deposits, transfers and holds on shared wallets keep every invariant', async () => {
      const m = merchant('mix');
      const ids = ['ACC_A', 'ACC_B', 'acc_c', 'zz_d'];
      for (const id of ids) await wallet(m, id, ['USD', 'EUR']);
      for (const id of ids) await ledger.deposit(m, `seed-${id}`, id, 'USD', 2_000n);

      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 60; i++) {
        const src = ids[i % 4];
        const dst = ids[(i * 7 + 1) % 4] === src ? ids[(i + 2) % 4] : ids[(i * 7 + 1) % 4];
        if (i % 5 === 0) calls.push(ledger.deposit(m, `d-${i}`, dst, 'EUR', 50n));
        else if (i % 5 === 1) calls.push(ledger.hold(m, `h-${i}`, src, 'USD', 150n));
        else if (i % 5 === 2)
          calls.push(
            ledger.transfer(m, `fx-${i}`, {
              sourceAccount: src,
              destinationAccount: dst,
              debit: { currency: 'USD', minor: 120n },
              credit: { currency: 'EUR', minor: 111n },
            }),
          );
        else calls.push(ledger.transfer(m, `t-${i}`, same(src, dst, 'USD', 175n)));
      }
      const results = await Promise.allSettled(calls);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as LedgerRefused).refusal).toMatchObject({ kind: 'INSUFFICIENT_FUNDS' });
      }
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
      // No wallet (none has overdraft) ended with available < 0.
      const negative = await queryRows(
        db,
        sql`select account_id, currency, ledger_minor::text, held_minor::text from wallet.balances
             where merchant_id = ${m} and account_id not like 'house:%' and ledger_minor - held_minor < 0`,
      );
      expect(negative).toEqual([]);
      const [usd] = await queryRows<{ total: string }>(
        db,
        sql`select sum(ledger_minor)::text as total from wallet.balances
             where merchant_id = ${m} and currency = 'USD' and account_id not like 'house:%'`,
      );
      const [fx] = await queryRows<{ total: string | null }>(
        db,
        sql`select sum(amount_minor)::text as total from wallet.entries
             where merchant_id = ${m} and currency = 'USD' and account_id = ${FX_ACCOUNT}`,
      );
      // USD only leaves the wallets through the FX desk.
      expect(BigInt(usd.total) + BigInt(fx.total ?? '0')).toBe(8_000n);
    }, 30_000);
  });

  async function deadlockCount(): Promise<string> {
    if (driver !== 'postgres') return '0';
    const [row] = await queryRows<{ n: string }>(
      db,
      sql`select deadlocks::text as n from pg_stat_database where datname = current_database()`,
    );
    return row.n;
  }
});
