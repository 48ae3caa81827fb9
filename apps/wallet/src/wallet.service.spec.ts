import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { DomainError } from '@paygate/contracts';
import { Db, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { RequestContext } from '@paygate/transport';
import { LedgerRepository } from './persistence/ledger.repository';
import { WalletService } from './wallet.service';

const merchant = (label: string) => `m_${label}_${randomBytes(3).toString('hex')}`;

describe.each<Driver>(DRIVERS)('WalletService balance and deposit on %s', (driver) => {
  let t: ServiceTestDb;
  let db: Db;
  let wallet: WalletService;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'wallet');
    db = t.db;
    wallet = new WalletService(new LedgerRepository(db));
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  const as = <T>(merchantId: string, work: () => Promise<T>): Promise<T> =>
    RequestContext.run({ requestId: `req_${randomBytes(4).toString('hex')}`, deadline: Date.now() + 10_000, merchantId }, work);

  const errorOf = async (p: Promise<unknown>): Promise<DomainError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
    return err;
  };

  it('GET /balance: every currency in order, available = ledger − held, updated_at = the newest balance update', async () => {
    const m = merchant('bal');
    await as(m, () => wallet.createAccount({ account_id: 'ACC_1', currencies: ['USD', 'EUR', 'JPY'], default_currency: 'EUR' }));
    await as(m, () => wallet.deposit({ reference: 'dep-1', account_id: 'ACC_1', currency: 'USD', amount: '12.34' }));
    await as(m, () => wallet.hold({ reference: 'h-1', account_id: 'ACC_1', amount: { currency: 'USD', amount_minor: '234' } }));
    await as(m, () => wallet.deposit({ reference: 'dep-2', account_id: 'ACC_1', currency: 'JPY', amount: '500' }));

    const res = await as(m, () => wallet.balance('ACC_1'));
    expect(res).toEqual({
      account_id: 'ACC_1',
      default_currency: 'EUR',
      balances: [
        { currency: 'EUR', available: '0.00', ledger: '0.00', held: '0.00' },
        { currency: 'JPY', available: '500', ledger: '500', held: '0' },
        { currency: 'USD', available: '10.00', ledger: '12.34', held: '2.34' },
      ],
      updated_at: expect.any(String),
    });
    const [newest] = await queryRows<{ at: Date | string }>(
      db,
      sql`select max(updated_at) as at from wallet.balances where merchant_id = ${m} and account_id = 'ACC_1'`,
    );
    expect(res.updated_at).toBe(new Date(newest.at).toISOString());
  });

  it('GET /balance of a wallet with no balance row: no balances, updated_at now', async () => {
    const m = merchant('bal_empty');
    await db.execute(sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
                         values (${m}, 'ACC_EMPTY', 'wallet', 'USD', false)`);
    const before = Date.now();
    const res = await as(m, () => wallet.balance('ACC_EMPTY'));
    expect(res).toEqual({ account_id: 'ACC_EMPTY', default_currency: 'USD', balances: [], updated_at: expect.any(String) });
    expect(Date.parse(res.updated_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(res.updated_at)).toBeLessThanOrEqual(Date.now());
  });

  it('GET /balance of another merchant’s wallet, a house account or a missing one: ACCOUNT_NOT_FOUND, all alike', async () => {
    const m1 = merchant('bal_iso1');
    const m2 = merchant('bal_iso2');
    await as(m1, () => wallet.createAccount({ account_id: 'ACC_1', currencies: ['USD'] }));
    await as(m1, () => wallet.deposit({ reference: 'dep-1', account_id: 'ACC_1', currency: 'USD', amount: '1.00' }));
    const theirs = await errorOf(as(m2, () => wallet.balance('ACC_1')));
    const missing = await errorOf(as(m2, () => wallet.balance('ACC_NOPE')));
    const house = await errorOf(as(m1, () => wallet.balance('house:settlement')));
    expect({ code: theirs.code, message: theirs.message, details: theirs.details }).toEqual({
      code: 'ACCOUNT_NOT_FOUND',
      message: 'No account ACC_1',
      details: [],
    });
    expect({ code: missing.code, message: missing.message }).toEqual({ code: 'ACCOUNT_NOT_FOUND', message: 'No account ACC_NOPE' });
    expect({ code: house.code, message: house.message }).toEqual({ code: 'ACCOUNT_NOT_FOUND', message: 'No account house:settlement' });
  });

  it('deposit: 201 with the balance after; a replay the same journal; refusals mapped as before', async () => {
    const m = merchant('dep');
    await as(m, () => wallet.createAccount({ account_id: 'ACC_1', currencies: ['USD'] }));
    const first = await as(m, () => wallet.deposit({ reference: 'dep-1', account_id: 'ACC_1', currency: 'USD', amount: '2.50' }));
    expect(first).toEqual({
      status: 201,
      replayed: false,
      body: {
        deposit_id: expect.stringMatching(/^jnl_\d+$/),
        account_id: 'ACC_1',
        currency: 'USD',
        amount: '2.50',
        reference: 'dep-1',
        balance: { currency: 'USD', available: '2.50', ledger: '2.50', held: '0.00' },
        created_at: expect.any(String),
      },
    });
    const again = await as(m, () => wallet.deposit({ reference: 'dep-1', account_id: 'ACC_1', currency: 'USD', amount: '2.50' }));
    expect(again).toEqual({ ...first, replayed: true });

    const reused = await errorOf(as(m, () => wallet.deposit({ reference: 'dep-1', account_id: 'ACC_1', currency: 'USD', amount: '2.51' })));
    expect({ code: reused.code, message: reused.message }).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'Reference dep-1 was already used for a different operation',
    });
    const missing = await errorOf(
      as(m, () => wallet.deposit({ reference: 'dep-2', account_id: 'ACC_NOPE', currency: 'USD', amount: '1.00' })),
    );
    expect({ code: missing.code, message: missing.message }).toEqual({ code: 'ACCOUNT_NOT_FOUND', message: 'No account ACC_NOPE' });
    await as(m, () => wallet.setStatus('ACC_1', 'freeze'));
    const frozen = await errorOf(as(m, () => wallet.deposit({ reference: 'dep-3', account_id: 'ACC_1', currency: 'USD', amount: '1.00' })));
    expect({ code: frozen.code, message: frozen.message }).toEqual({ code: 'ACCOUNT_FROZEN', message: 'Account ACC_1 is frozen' });
  });
});
