import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Db, openDatabase, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, TestDatabase, openServiceTestDb } from '@paygate/testing';
import type { RiskAssessment } from '../domain';
import { DecisionInput, HistoryFeatures, RiskRepository } from './risk.repository';

const suffix = () => randomBytes(3).toString('hex');
const merchant = (label: string) => `m_${label}_${suffix()}`;

const APPROVE: RiskAssessment = {
  score: 5,
  decision: 'APPROVE',
  reasons: [{ code: 'NEW_DESTINATION', weight: 5, detail: 'first time' }],
  rules_version: 'v1',
};
const DECLINE: RiskAssessment = {
  score: 100,
  decision: 'DECLINE',
  reasons: [
    { code: 'BLOCKED_ACCOUNT', weight: 100, detail: 'blocked' },
    { code: 'HIGH_AMOUNT', weight: 50, detail: 'high' },
  ],
  rules_version: 'v2',
};

const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  paymentId: `PAY-${suffix()}`,
  account: 'ACC_SRC_0001',
  destination: 'ACC_DST_0001',
  currency: 'USD',
  amountMinor: 12345n,
  ...over,
});

describe.each<Driver>(DRIVERS)('RiskRepository on %s', (driver) => {
  let testDb: TestDatabase | undefined;
  let t: ServiceTestDb;
  let db: Db;
  let repo: RiskRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'risk');
    ({ db, testDb } = t);
    repo = new RiskRepository(db);
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  /** A decision row written directly, e.g. an older one or one without a payment id. */
  async function insertDecision(
    m: string,
    row: { paymentId: string | null; account: string; destination?: string | null; ageSeconds?: number },
  ) {
    await db.execute(sql`insert into risk.decisions (merchant_id, payment_id, account, destination, currency, amount_minor, score, decision, reasons, rules_version, created_at)
      values (${m}, ${row.paymentId}, ${row.account}, ${row.destination ?? null}, 'USD', 100, 0, 'APPROVE', '[]'::jsonb, 'v1',
              now() - make_interval(secs => ${row.ageSeconds ?? 0}))`);
  }

  async function rowsFor(m: string, paymentId: string) {
    return queryRows<{ score: number; decision: string; amount_minor: string; destination: string | null }>(
      db,
      sql`select score, decision, amount_minor::text as amount_minor, destination from risk.decisions where merchant_id = ${m} and payment_id = ${paymentId}`,
    );
  }

  it('records a decision once per payment: a second call returns the first assessment without deciding again', async () => {
    const m = merchant('once');
    const i = input({ amountMinor: 9_007_199_254_740_993n });
    const decide1 = jest.fn((_h: HistoryFeatures) => APPROVE);
    const first = await repo.decideOnce(m, i, decide1);
    expect(first).toEqual(APPROVE);
    expect(decide1).toHaveBeenCalledTimes(1);
    expect(decide1).toHaveBeenCalledWith({ count1m: 0, count1h: 0, destinationSeen: false });

    const decide2 = jest.fn((_h: HistoryFeatures) => DECLINE);
    const second = await repo.decideOnce(m, { ...i, amountMinor: 1n, destination: 'ACC_OTHER' }, decide2);
    expect(second).toEqual(APPROVE);
    expect(decide2).not.toHaveBeenCalled();

    expect(await repo.recorded(m, i.paymentId)).toEqual(APPROVE);
    expect(await rowsFor(m, i.paymentId)).toEqual([
      { score: 5, decision: 'APPROVE', amount_minor: '9007199254740993', destination: 'ACC_DST_0001' },
    ]);
  });

  it('recorded: undefined for an unknown payment, and per merchant', async () => {
    const m = merchant('rec');
    const i = input();
    expect(await repo.recorded(m, i.paymentId)).toBeUndefined();
    await repo.decideOnce(m, i, () => DECLINE);
    expect(await repo.recorded(m, i.paymentId)).toEqual(DECLINE);
    expect(await repo.recorded(merchant('other'), i.paymentId)).toBeUndefined();
  });

  it('a decide callback that throws records nothing, and a retry decides afresh', async () => {
    const m = merchant('throw');
    const i = input();
    await expect(
      repo.decideOnce(m, i, () => {
        throw new RangeError('bad features');
      }),
    ).rejects.toThrow('bad features');
    expect(await repo.recorded(m, i.paymentId)).toBeUndefined();
    expect(await repo.decideOnce(m, i, () => APPROVE)).toEqual(APPROVE);
  });

  it('history counts recorded decisions with a payment id of this merchant and account, in 1 minute and 1 hour windows', async () => {
    const m = merchant('hist');
    const account = 'ACC_VEL_0001';
    expect(await repo.history(m, account, undefined)).toEqual({ count1m: 0, count1h: 0, destinationSeen: undefined });

    for (let n = 0; n < 3; n += 1) await repo.decideOnce(m, input({ account, destination: `ACC_D_${n}` }), () => APPROVE);
    await insertDecision(m, { paymentId: `PAY-old-${suffix()}`, account, ageSeconds: 10 * 60 }); // in the hour, not the minute
    await insertDecision(m, { paymentId: `PAY-older-${suffix()}`, account, ageSeconds: 2 * 3600 }); // outside both
    await insertDecision(m, { paymentId: null, account }); // a score without a payment id is never counted
    await insertDecision(m, { paymentId: null, account, ageSeconds: 600 });
    await repo.decideOnce(m, input({ account: 'ACC_OTHER_ACC' }), () => APPROVE); // another account
    await repo.decideOnce(merchant('elsewhere'), input({ account }), () => APPROVE); // another merchant

    const h = await repo.history(m, account, undefined);
    expect(h).toEqual({ count1m: 3, count1h: 4, destinationSeen: undefined });

    // decide sees the history before its own decision (not counting itself).
    const decide = jest.fn((_h: HistoryFeatures) => APPROVE);
    await repo.decideOnce(m, input({ account, destination: undefined }), decide);
    expect(decide).toHaveBeenCalledWith({ count1m: 3, count1h: 4, destinationSeen: undefined });
    expect(await repo.history(m, account, undefined)).toMatchObject({ count1m: 4, count1h: 5 });
  });

  it('destinationSeen: true after a recorded payment to that destination, false before, undefined without one', async () => {
    const m = merchant('dest');
    const account = 'ACC_SRC_DEST';
    expect((await repo.history(m, account, 'ACC_DST_A')).destinationSeen).toBe(false);
    await repo.decideOnce(m, input({ account, destination: 'ACC_DST_A' }), () => APPROVE);
    expect((await repo.history(m, account, 'ACC_DST_A')).destinationSeen).toBe(true);
    expect((await repo.history(m, account, 'ACC_DST_B')).destinationSeen).toBe(false);
    expect((await repo.history(m, account, undefined)).destinationSeen).toBeUndefined();

    // Only this account's payments, and only those with a payment id.
    expect((await repo.history(m, 'ACC_SRC_OTHER', 'ACC_DST_A')).destinationSeen).toBe(false);
    await insertDecision(m, { paymentId: null, account, destination: 'ACC_DST_C' });
    expect((await repo.history(m, account, 'ACC_DST_C')).destinationSeen).toBe(false);
    // Seen has no time window: an old payment still counts.
    await insertDecision(m, { paymentId: `PAY-${suffix()}`, account, destination: 'ACC_DST_OLD', ageSeconds: 30 * 24 * 3600 });
    expect(await repo.history(m, account, 'ACC_DST_OLD')).toMatchObject({ destinationSeen: true, count1h: 1 });

    // A retried decision for the same destination sees it as seen only once recorded.
    const decide = jest.fn((_h: HistoryFeatures) => APPROVE);
    await repo.decideOnce(m, input({ account, destination: 'ACC_DST_A' }), decide);
    expect(decide.mock.calls[0][0]).toMatchObject({ destinationSeen: true });
  });

  it('keeps merchants apart: history, seen destinations and the once-per-payment record', async () => {
    const m1 = merchant('iso1');
    const m2 = merchant('iso2');
    const i = input({ account: 'ACC_SHARED', destination: 'ACC_DST_SHARED' });
    await repo.decideOnce(m1, i, () => DECLINE);
    expect(await repo.history(m2, 'ACC_SHARED', 'ACC_DST_SHARED')).toEqual({ count1m: 0, count1h: 0, destinationSeen: false });
    // The same payment id under another merchant is another payment: decided and recorded.
    const decide = jest.fn((_h: HistoryFeatures) => APPROVE);
    expect(await repo.decideOnce(m2, i, decide)).toEqual(APPROVE);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(await repo.recorded(m1, i.paymentId)).toEqual(DECLINE);
    expect(await repo.history(m1, 'ACC_SHARED', 'ACC_DST_SHARED')).toEqual({ count1m: 1, count1h: 1, destinationSeen: true });
  });

  it(`concurrent decideOnce for one payment on ${driver}: one row, every caller gets the same assessment`, async () => {
    const m = merchant('race');
    const i = input();
    // Separate pools on PostgreSQL, as separate replicas would have.
    const others = driver === 'postgres' ? [0, 1].map(() => openDatabase({ url: testDb!.url, pgliteDir: '', poolSize: 5 })) : [];
    try {
      const repos = [repo, ...others.map((o) => new RiskRepository(o.db))];
      // Each caller would decide differently; only the recorded one may be answered.
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          repos[n % repos.length].decideOnce(m, i, () => ({
            ...APPROVE,
            score: n,
            reasons: [{ code: `R${n}`, weight: n, detail: `caller ${n}` }],
          })),
        ),
      );
      const rows = await queryRows<{ score: number; reasons: unknown }>(
        db,
        sql`select score, reasons from risk.decisions where merchant_id = ${m} and payment_id = ${i.paymentId}`,
      );
      expect(rows).toHaveLength(1);
      for (const r of results) expect(r).toEqual(results[0]);
      expect(results[0]).toMatchObject({ score: rows[0].score, reasons: rows[0].reasons });
      expect(await repo.recorded(m, i.paymentId)).toEqual(results[0]);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});
