import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Db, openDatabase, queryRows, runStatement } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, TestDatabase, openServiceTestDb } from '@paygate/testing';
import {
  EMPTY_HISTORY,
  HistoryFeatures,
  InMemoryHistory,
  RiskAssessment,
  evaluate,
  featuresFromJson,
  featuresToJson,
  historySpec,
  parseRulesFile,
  type FeaturesJson,
} from '../domain';
import { DecisionInput, DecisionRecord, RiskRepository } from './risk.repository';

const suffix = () => randomBytes(3).toString('hex');
const merchant = (label: string) => `m_${label}_${suffix()}`;

const RULES = parseRulesFile({
  version: 'repo-test-1',
  reference_currency: 'USD',
  thresholds: { review: 50, decline: 80 },
  features: {
    history_size: 3,
    amount_bands: {
      micro: { lt: '5.00', window: '1h' },
      near: { gte: '4500.00', lt: '5000.00', window: '24h' },
      weekly: { gte: '100.00', window: '7d' },
    },
  },
  rules: [
    { code: 'NEW_DESTINATION', weight: 5, reason: 'New destination', when: { feature: 'new_destination' } },
    { code: 'BIG', weight: 60, reason: 'Big', when: { feature: 'amount_ref', gte: '1000.00' } },
  ],
});
const MERGED = historySpec([RULES]);
const SPEC = MERGED.spec;
const [MICRO, NEAR, WEEKLY] = ['b0', 'b1', 'b2'];

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
  amountRefMinor: 12345n,
  referenceCurrency: 'USD',
  ...over,
});

const FEATURES_STUB: FeaturesJson = featuresToJson(
  { account: 'A', currency: 'USD', amountMinor: 1n, ...EMPTY_HISTORY, bandCounts: { micro: 0, near: 0, weekly: 0 } },
  'USD',
);
/** A decide callback recording a fixed assessment. */
const record =
  (assessment: RiskAssessment) =>
  (_h: HistoryFeatures): DecisionRecord => ({ assessment, features: FEATURES_STUB });

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

  /** A decision row written directly at a given age, e.g. an older one. */
  async function insertDecision(
    m: string,
    row: {
      account: string;
      paymentId?: string | null;
      destination?: string | null;
      ageSeconds?: number;
      amountRefMinor?: bigint | null;
      refCurrency?: string;
    },
  ) {
    const paymentId = row.paymentId === undefined ? `PAY-${suffix()}` : row.paymentId;
    const ref = row.amountRefMinor === undefined ? 100n : row.amountRefMinor;
    await db.execute(sql`insert into risk.decisions (merchant_id, payment_id, account, destination, currency, amount_minor, amount_ref_minor, ref_currency,
                                                     score, decision, reasons, rules_version, created_at)
      values (${m}, ${paymentId}, ${row.account}, ${row.destination ?? null}, 'USD', 100, ${ref}, ${row.refCurrency ?? 'USD'}, 0, 'APPROVE', '[]'::jsonb, 'v1',
              clock_timestamp() - make_interval(secs => ${row.ageSeconds ?? 0}))`);
  }

  async function rowsFor(m: string, paymentId: string) {
    return queryRows<{ score: number; decision: string; amount_minor: string; destination: string | null }>(
      db,
      sql`select score, decision, amount_minor::text as amount_minor, destination from risk.decisions where merchant_id = ${m} and payment_id = ${paymentId}`,
    );
  }

  it('records a decision once per payment: a second call returns the first assessment without deciding again', async () => {
    const m = merchant('once');
    const i = input({ amountMinor: 9_007_199_254_740_991n });
    const decide1 = jest.fn(record(APPROVE));
    const first = await repo.decideOnce(m, i, SPEC, decide1);
    expect(first).toMatchObject({ assessment: APPROVE, fresh: true });
    expect(decide1).toHaveBeenCalledTimes(1);
    expect(decide1).toHaveBeenCalledWith({
      ...EMPTY_HISTORY,
      bandCounts: { [MICRO]: 0, [NEAR]: 0, [WEEKLY]: 0 },
      destinationSeen: false,
      accountAgeSeconds: undefined,
    });

    const decide2 = jest.fn(record(DECLINE));
    const second = await repo.decideOnce(m, { ...i, amountMinor: 1n, destination: 'ACC_OTHER' }, SPEC, decide2);
    expect(second).toEqual({ assessment: APPROVE, fresh: false });
    expect(decide2).not.toHaveBeenCalled();

    expect(await repo.recorded(m, i.paymentId)).toEqual(APPROVE);
    expect(await rowsFor(m, i.paymentId)).toEqual([
      { score: 5, decision: 'APPROVE', amount_minor: '9007199254740991', destination: 'ACC_DST_0001' },
    ]);
  });

  it('recorded: undefined for an unknown payment, and per merchant', async () => {
    const m = merchant('rec');
    const i = input();
    expect(await repo.recorded(m, i.paymentId)).toBeUndefined();
    await repo.decideOnce(m, i, SPEC, record(DECLINE));
    expect(await repo.recorded(m, i.paymentId)).toEqual(DECLINE);
    expect(await repo.recorded(merchant('other'), i.paymentId)).toBeUndefined();
  });

  it('a decide callback that throws records nothing, and a retry decides afresh', async () => {
    const m = merchant('throw');
    const i = input();
    await expect(
      repo.decideOnce(m, i, SPEC, () => {
        throw new RangeError('bad features');
      }),
    ).rejects.toThrow('bad features');
    expect(await repo.recorded(m, i.paymentId)).toBeUndefined();
    expect(await repo.decideOnce(m, i, SPEC, record(APPROVE))).toMatchObject({ assessment: APPROVE, fresh: true });
  });

  it('velocity: counts and sums over 1 minute, 1 hour and 24 hours; sums only what was priced in the reference currency', async () => {
    const m = merchant('vel');
    const account = 'ACC_VEL_0001';
    expect(await repo.history(m, account, undefined, SPEC)).toMatchObject({ count1m: 0, count1h: 0, count24h: 0, sum24hRefMinor: 0n });

    for (const [age, amount] of [
      [5, 100n], // in all three windows
      [30, 250n],
      [10 * 60, 1000n], // hour and day
      [50 * 60, 2000n],
      [3 * 3600, 40000n], // day only
      [23 * 3600, 7n],
      [25 * 3600, 999999n], // outside every window
    ] as const) {
      await insertDecision(m, { account, ageSeconds: age, amountRefMinor: amount });
    }
    await insertDecision(m, { account, ageSeconds: 20, amountRefMinor: null }); // unpriced: counted, not summed
    await insertDecision(m, { account, ageSeconds: 20, amountRefMinor: 5000n, refCurrency: 'EUR' }); // another reference: counted, not summed
    await insertDecision(m, { account: 'ACC_OTHER_ACC', ageSeconds: 5 }); // another account
    await insertDecision(merchant('elsewhere'), { account, ageSeconds: 5 }); // another merchant

    const h = await repo.history(m, account, undefined, SPEC);
    expect(h).toMatchObject({
      count1m: 4,
      count1h: 6,
      count24h: 8,
      sum1mRefMinor: 350n,
      sum1hRefMinor: 3350n,
      sum24hRefMinor: 43357n,
      destinationSeen: undefined,
    });

    // decide sees the history before its own decision (not counting itself), which then counts.
    const decide = jest.fn(record(APPROVE));
    await repo.decideOnce(m, input({ account, destination: undefined, amountRefMinor: 1n }), SPEC, decide);
    expect(decide.mock.calls[0][0]).toMatchObject({ count1m: 4, count1h: 6, count24h: 8, sum1mRefMinor: 350n });
    expect(await repo.history(m, account, undefined, SPEC)).toMatchObject({ count1m: 5, count1h: 7, count24h: 9, sum1mRefMinor: 351n });
  });

  it('amount bands: earlier priced payments in each band within its own window', async () => {
    const m = merchant('band');
    const account = 'ACC_BAND_0001';
    for (const [age, amount] of [
      [10, 499n], // micro (< 5.00)
      [20, 1n], // micro
      [2 * 3600, 300n], // micro, but outside its 1 h window
      [60, 450000n], // near: 4,500.00 (inclusive)
      [3600, 499999n], // near: 4,999.99
      [20 * 3600, 500000n], // 5,000.00: not near (exclusive upper bound); weekly
      [30 * 3600, 480000n], // near band, but outside 24 h; weekly (7 d)
      [6 * 86400, 10000n], // weekly: 100.00
      [8 * 86400, 10000n], // outside the 7 d window
    ] as const) {
      await insertDecision(m, { account, ageSeconds: age, amountRefMinor: amount });
    }
    await insertDecision(m, { account, ageSeconds: 5, amountRefMinor: 100n, refCurrency: 'EUR' }); // another reference: no band
    const h = await repo.history(m, account, undefined, SPEC);
    expect(h.bandCounts).toEqual({ [MICRO]: 2, [NEAR]: 2, [WEEKLY]: 5 });
    // The 24 h velocity still stops at 24 h although the scan reaches 7 days.
    expect(h.count24h).toBe(7);
  });

  it('history sample: the latest priced payments in the reference currency, most recent first, at most history_size', async () => {
    const m = merchant('sample');
    const account = 'ACC_SAMPLE_0001';
    await insertDecision(m, { account, ageSeconds: 40 * 86400, amountRefMinor: 11n }); // old payments count too
    await insertDecision(m, { account, ageSeconds: 30 * 86400, amountRefMinor: 22n });
    expect((await repo.history(m, account, undefined, SPEC)).historyRefMinor).toEqual([22n, 11n]);
    await insertDecision(m, { account, ageSeconds: 300, amountRefMinor: 33n });
    await insertDecision(m, { account, ageSeconds: 200, amountRefMinor: null });
    await insertDecision(m, { account, ageSeconds: 100, amountRefMinor: 44n, refCurrency: 'EUR' });
    await insertDecision(m, { account, ageSeconds: 50, amountRefMinor: 55n });
    expect((await repo.history(m, account, undefined, SPEC)).historyRefMinor).toEqual([55n, 33n, 22n]);
  });

  it('account age: whole seconds since the first recorded payment; undefined for a new account', async () => {
    const m = merchant('age');
    const account = 'ACC_AGE_0001';
    expect((await repo.history(m, account, undefined, SPEC)).accountAgeSeconds).toBeUndefined();
    await insertDecision(m, { account, ageSeconds: 3 * 86400 + 17 });
    await insertDecision(m, { account, ageSeconds: 60 });
    const age = (await repo.history(m, account, undefined, SPEC)).accountAgeSeconds!;
    expect(age).toBeGreaterThanOrEqual(3 * 86400 + 17);
    expect(age).toBeLessThanOrEqual(3 * 86400 + 19);
    expect((await repo.history(m, 'ACC_AGE_OTHER', undefined, SPEC)).accountAgeSeconds).toBeUndefined();
  });

  it('destinationSeen: true after a recorded payment to that destination (any time), false before, undefined without one', async () => {
    const m = merchant('dest');
    const account = 'ACC_SRC_DEST';
    expect((await repo.history(m, account, 'ACC_DST_A', SPEC)).destinationSeen).toBe(false);
    await repo.decideOnce(m, input({ account, destination: 'ACC_DST_A' }), SPEC, record(APPROVE));
    expect((await repo.history(m, account, 'ACC_DST_A', SPEC)).destinationSeen).toBe(true);
    expect((await repo.history(m, account, 'ACC_DST_B', SPEC)).destinationSeen).toBe(false);
    expect((await repo.history(m, account, undefined, SPEC)).destinationSeen).toBeUndefined();
    expect((await repo.history(m, 'ACC_SRC_OTHER', 'ACC_DST_A', SPEC)).destinationSeen).toBe(false);
    await insertDecision(m, { account, paymentId: null, destination: 'ACC_DST_C' }); // only recorded payments count
    expect((await repo.history(m, account, 'ACC_DST_C', SPEC)).destinationSeen).toBe(false);
    await insertDecision(m, { account, destination: 'ACC_DST_OLD', ageSeconds: 30 * 24 * 3600 });
    expect(await repo.history(m, account, 'ACC_DST_OLD', SPEC)).toMatchObject({ destinationSeen: true, count1h: 1 });
  });

  it('agrees with the in-memory history the backtest uses, field by field', async () => {
    const m = merchant('parity');
    const account = 'ACC_PARITY_0001';
    const mem = new InMemoryHistory();
    const now = Date.now();
    // Ages well inside or outside each window, so the few milliseconds between insert and read cannot move a row across a boundary.
    const events: Array<[number, bigint | null, string]> = [
      [8 * 86400, 10000n, 'ACC_D1'],
      [5 * 86400, 470000n, 'ACC_D2'],
      [20 * 3600, 460000n, 'ACC_D2'],
      [2 * 3600, 300n, 'ACC_D3'],
      [1800, null, 'ACC_D4'],
      [900, 200n, 'ACC_D5'],
      [120, 499999n, 'ACC_D1'],
      [30, 100n, 'ACC_D6'],
      [10, 250000n, 'ACC_D7'],
    ];
    for (const [age, amount, dest] of events) {
      await insertDecision(m, { account, ageSeconds: age, amountRefMinor: amount, destination: dest });
      mem.record(account, { at: now - age * 1000, destination: dest, referenceCurrency: 'USD', amountRefMinor: amount ?? undefined });
    }
    for (const dest of ['ACC_D2', 'ACC_NEW', undefined]) {
      const fromDb = await repo.history(m, account, dest, SPEC);
      const fromMemory = mem.read(account, dest, now, SPEC);
      expect({ ...fromDb, accountAgeSeconds: 0 }).toEqual({ ...fromMemory, accountAgeSeconds: 0 });
      expect(Math.abs(fromDb.accountAgeSeconds! - fromMemory.accountAgeSeconds!)).toBeLessThanOrEqual(2);
    }
  });

  it('stores the features, reference amount and the shadow verdict with the decision; a replay reproduces the decision', async () => {
    const m = merchant('audit');
    const i = input({ account: 'ACC_AUDIT_1', amountMinor: 150000n, amountRefMinor: 150000n });
    const decided = await repo.decideOnce(m, i, SPEC, (h) => {
      const features = {
        account: i.account,
        destination: i.destination,
        currency: 'USD',
        amountMinor: i.amountMinor,
        amountRefMinor: i.amountRefMinor,
        ...h,
      };
      const f = { ...features, bandCounts: { micro: h.bandCounts[MICRO], near: h.bandCounts[NEAR], weekly: h.bandCounts[WEEKLY] } };
      const assessment = evaluate(RULES, f);
      return {
        assessment,
        features: featuresToJson(f, 'USD'),
        shadow: { assessment: { ...assessment, decision: 'DECLINE', score: 90, rules_version: 'draft-1' }, diverged: true },
      };
    });
    expect(decided.assessment).toMatchObject({ score: 65, decision: 'REVIEW' });
    const stored = (await repo.stored(m, i.paymentId))!;
    expect(stored).toMatchObject({
      assessment: decided.assessment,
      amountRefMinor: 150000n,
      refCurrency: 'USD',
      shadow: { rulesVersion: 'draft-1', score: 90, decision: 'DECLINE', diverged: true },
    });
    expect(stored.features).toMatchObject({
      account: 'ACC_AUDIT_1',
      amount_minor: '150000',
      amount_ref_minor: '150000',
      destination_seen: false,
    });
    expect(evaluate(RULES, featuresFromJson(stored.features))).toEqual(stored.assessment);
    expect(await repo.stored(m, 'PAY-NONE')).toBeUndefined();
  });

  it('concurrent decisions of many accounts (batched reads and records): each sees its own account, each is recorded once', async () => {
    const m = merchant('batch');
    const accounts = Array.from({ length: 8 }, (_, k) => `ACC_BATCH_${k}`);
    for (const [k, account] of accounts.entries()) {
      // 2k decisions each, so that a read of one account can never pass for a neighbour's.
      for (let j = 0; j < 2 * k; j++) await insertDecision(m, { account, destination: j === 0 ? 'ACC_SEEN' : null });
    }
    const again = input({ account: accounts[5] });
    await repo.decideOnce(m, again, SPEC, record(DECLINE));

    const seen: Record<string, HistoryFeatures> = {};
    const decide = (account: string) => (h: HistoryFeatures) => {
      seen[account] = h;
      return record(APPROVE)(h);
    };
    const inputs = accounts.map((account, k) => (k === 5 ? again : input({ account, destination: 'ACC_SEEN' })));
    const [decided, dry] = await Promise.all([
      Promise.all(inputs.map((i) => repo.decideOnce(m, i, SPEC, decide(i.account)))),
      Promise.all(accounts.map((account) => repo.history(m, account, undefined, SPEC))),
    ]);
    for (const [k, account] of accounts.entries()) {
      if (k === 5) {
        expect(dry[k].count24h).toBe(2 * k + 1);
        // Recorded before: its first assessment comes back, nothing decided again.
        expect([decided[k], seen[account]]).toEqual([{ assessment: DECLINE, fresh: false }, undefined]);
        continue;
      }
      // The concurrent read runs before or after this account's decision is recorded, never between.
      expect([2 * k, 2 * k + 1]).toContain(dry[k].count24h);
      expect(decided[k]).toMatchObject({ assessment: APPROVE, fresh: true });
      expect([seen[account].count24h, seen[account].destinationSeen]).toEqual([2 * k, k > 0]);
      expect(await rowsFor(m, inputs[k].paymentId)).toHaveLength(1);
    }
  });

  it("one account's waiting payments are decided together: each saw exactly the ones before it, recorded in that order", async () => {
    const m = merchant('together');
    const account = 'ACC_TOGETHER';
    await insertDecision(m, { account, destination: 'ACC_OLD', ageSeconds: 120, amountRefMinor: 50n });
    const seen = new Map<string, HistoryFeatures>();
    const decide = (id: string) => (h: HistoryFeatures) => {
      seen.set(id, h);
      return record(APPROVE)(h);
    };
    // The first runs alone; the ones submitted while it runs wait and go together.
    const amounts = [100n, 200n, 300n, 400n, 500n];
    const payments = amounts.map((amountRefMinor, n) =>
      input({ account, paymentId: `PAY-T-${n}`, amountRefMinor, destination: n === 3 ? 'ACC_OLD' : `ACC_NEW_${n % 2}` }),
    );
    const decided = await Promise.all([...payments, payments[2]].map((p) => repo.decideOnce(m, p, SPEC, decide(p.paymentId))));
    expect(decided.map((d) => d.fresh)).toEqual([true, true, true, true, true, false]);
    expect(decided[5].assessment).toEqual(decided[2].assessment);
    for (const [n, p] of payments.entries()) {
      const h = seen.get(p.paymentId)!;
      expect(h).toMatchObject({ count1m: n, count1h: n + 1, sum1hRefMinor: 50n + amounts.slice(0, n).reduce((a, b) => a + b, 0n) });
      expect(h.historyRefMinor).toEqual([...amounts.slice(0, n).reverse(), 50n].slice(0, 3));
      expect(h.destinationSeen).toBe([false, false, true, true, true][n]);
    }
    // What was recorded reads back as the last one saw it plus itself, in the same order.
    expect(await repo.history(m, account, 'ACC_NEW_1', SPEC)).toMatchObject({
      count1m: 5,
      count1h: 6,
      historyRefMinor: [500n, 400n, 300n],
      destinationSeen: true,
    });
  });

  it('a payment of the batch recorded already: the batch records nothing together, each is decided on its own', async () => {
    const m = merchant('together_exists');
    const account = 'ACC_TOGETHER_X';
    const earlier = input({ account, paymentId: 'PAY-EARLIER' });
    await repo.decideOnce(m, earlier, SPEC, record(DECLINE));
    const counts = new Map<string, number>();
    const decide = (id: string) => (h: HistoryFeatures) => {
      counts.set(id, h.count1m);
      return record(APPROVE)(h);
    };
    const fresh = ['PAY-A', 'PAY-B', 'PAY-C'].map((paymentId) => input({ account, paymentId }));
    const decided = await Promise.all([fresh[0], earlier, fresh[1], fresh[2]].map((p) => repo.decideOnce(m, p, SPEC, decide(p.paymentId))));
    expect(decided.map((d) => [d.assessment.decision, d.fresh])).toEqual([
      ['APPROVE', true],
      ['DECLINE', false],
      ['APPROVE', true],
      ['APPROVE', true],
    ]);
    expect(fresh.map((p) => counts.get(p.paymentId))).toEqual([1, 2, 3]);
    expect(await repo.history(m, account, undefined, SPEC)).toMatchObject({ count1m: 4 });
  });

  it('risk.record_decisions_together: all or nothing, only on the newest decision the read saw', async () => {
    const m = merchant('together_sql');
    const account = 'ACC_TOGETHER_SQL';
    const row = (paymentId: string, acc = account) => [
      m,
      paymentId,
      acc,
      null,
      'USD',
      '1',
      '1',
      'USD',
      0,
      'APPROVE',
      '[]',
      'v1',
      '{}',
      null,
      null,
      null,
      null,
      null,
      new Date().toISOString(),
    ];
    const call = (items: unknown[][], newest: string | null) =>
      runStatement<{ outcome: string }>(db, 'select risk.record_decisions_together($1::jsonb, $2::bigint) as outcome', [
        JSON.stringify(items),
        newest,
      ]);
    const newest = async () =>
      (
        await queryRows<{ id: string | null }>(
          db,
          sql`select max(id)::text as id from risk.decisions where merchant_id = ${m} and account = ${account}`,
        )
      )[0].id;
    expect(await call([row('P1'), row('P2')], null)).toEqual([{ outcome: 'recorded' }]);
    const ids = await queryRows<{ payment_id: string }>(
      db,
      sql`select payment_id from risk.decisions where merchant_id = ${m} order by id`,
    );
    expect(ids.map((r) => r.payment_id)).toEqual(['P1', 'P2']);
    expect(await call([row('P3'), row('P4')], null)).toEqual([{ outcome: 'stale' }]);
    expect(await call([row('P3'), row('P1')], await newest())).toEqual([{ outcome: 'exists' }]);
    await expect(call([row('P3'), row('P5', 'ACC_OTHER')], await newest())).rejects.toThrow('one account');
    await expect(call([row('P3'), row('P3')], await newest())).rejects.toThrow('one account');
    expect(await rowsFor(m, 'P3')).toHaveLength(0);
    expect(await call([row('P3'), row('P4')], await newest())).toEqual([{ outcome: 'recorded' }]);
  });

  it('keeps merchants apart: history, seen destinations and the once-per-payment record', async () => {
    const m1 = merchant('iso1');
    const m2 = merchant('iso2');
    const i = input({ account: 'ACC_SHARED', destination: 'ACC_DST_SHARED' });
    await repo.decideOnce(m1, i, SPEC, record(DECLINE));
    expect(await repo.history(m2, 'ACC_SHARED', 'ACC_DST_SHARED', SPEC)).toMatchObject({ count1m: 0, count1h: 0, destinationSeen: false });
    const decide = jest.fn(record(APPROVE));
    expect(await repo.decideOnce(m2, i, SPEC, decide)).toMatchObject({ assessment: APPROVE, fresh: true });
    expect(decide).toHaveBeenCalledTimes(1);
    expect(await repo.recorded(m1, i.paymentId)).toEqual(DECLINE);
    expect(await repo.history(m1, 'ACC_SHARED', 'ACC_DST_SHARED', SPEC)).toMatchObject({ count1m: 1, count1h: 1, destinationSeen: true });
  });

  it(`concurrent decideOnce for one payment on ${driver}: one row, every caller gets the same assessment`, async () => {
    const m = merchant('race');
    const i = input();
    const others = driver === 'postgres' ? [0, 1].map(() => openDatabase({ url: testDb!.url, pgliteDir: '', poolSize: 5 })) : [];
    try {
      const repos = [repo, ...others.map((o) => new RiskRepository(o.db))];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          repos[n % repos.length].decideOnce(m, i, SPEC, () => ({
            assessment: { ...APPROVE, score: n, reasons: [{ code: `R${n}`, weight: n, detail: `caller ${n}` }] },
            features: FEATURES_STUB,
          })),
        ),
      );
      const rows = await queryRows<{ score: number; reasons: unknown }>(
        db,
        sql`select score, reasons from risk.decisions where merchant_id = ${m} and payment_id = ${i.paymentId}`,
      );
      expect(rows).toHaveLength(1);
      for (const r of results) expect(r.assessment).toEqual(results[0].assessment);
      expect(results.filter((r) => r.fresh)).toHaveLength(1);
      expect(results[0].assessment).toMatchObject({ score: rows[0].score, reasons: rows[0].reasons });
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it(`N concurrent payments of one account over ${driver === 'postgres' ? 'three pools (replicas)' : 'one PGlite'}: velocity exactly N, each decision saw 0…N−1`, async () => {
    const m = merchant('burst');
    const account = 'ACC_BURST_0001';
    const N = 24;
    const others = driver === 'postgres' ? [0, 1].map(() => openDatabase({ url: testDb!.url, pgliteDir: '', poolSize: 6 })) : [];
    try {
      const repos = [repo, ...others.map((o) => new RiskRepository(o.db))];
      const payments = Array.from({ length: N }, (_, n) => input({ account, paymentId: `PAY-BURST-${n}`, amountRefMinor: 100n }));
      // Every payment twice (a retry racing the first attempt), spread over the replicas. A
      // decision may be computed and then not recorded (another came in first): what counts is
      // the count each recorded decision was computed on, stored with it.
      const calls = [...payments, ...payments].map((p, n) =>
        repos[n % repos.length].decideOnce(m, p, SPEC, (h) => ({
          assessment: APPROVE,
          features: { ...FEATURES_STUB, count_1m: h.count1m },
        })),
      );
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.fresh)).toHaveLength(N);
      const seen = await Promise.all(payments.map(async (p) => (await repo.stored(m, p.paymentId))!.features.count_1m));
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, n) => n));
      expect(await repo.history(m, account, undefined, SPEC)).toMatchObject({
        count1m: N,
        count1h: N,
        count24h: N,
        sum1mRefMinor: BigInt(N * 100),
      });
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  }, 30_000);
});
