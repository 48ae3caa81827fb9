import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Db, openDatabase, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, TestDatabase, openServiceTestDb } from '@paygate/testing';
import { requestHash } from '../domain/payment';
import { Claim, NewPayment, Outcome, PaymentsRepository, Attempt } from './payments.repository';

const suffix = () => randomBytes(3).toString('hex');
const merchant = (label: string) => `m_${label}_${suffix()}`;

/** A new payment whose idempotency key defaults to its id, as the service does without the header. */
function payment(over: Partial<Omit<NewPayment, 'requestHash'>> = {}): NewPayment {
  const id = over.id ?? `PAY-${suffix()}`;
  const p = {
    id,
    currency: 'USD',
    amountMinor: 12345n,
    sourceAccount: 'ACC_SRC_0001',
    destinationAccount: 'ACC_DST_0001',
    metadata: { order_id: '6735' },
    ...over,
  };
  return {
    ...p,
    idempotencyKey: over.idempotencyKey ?? id,
    requestHash: requestHash({
      ...p,
      metadata: p.metadata as Record<string, string>,
      captureMethod: p.captureMethod === 'manual' ? 'manual' : 'automatic',
    }),
  };
}

const T0 = new Date('2030-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const CAPTURED: Outcome = {
  status: 'CAPTURED',
  debitCurrency: 'USD',
  debitAmountMinor: 12345n,
  creditCurrency: 'USD',
  creditAmountMinor: 12345n,
  fx: null,
  risk: { score: 0, decision: 'APPROVE', reasons: [], rules_version: 'v1' },
};

const kindOf = (c: Claim) => c.kind;
/** The attempt that claimed `id` with `lease`. */
const attempt = (m: string, id: string, lease: Date): Attempt => ({ merchantId: m, id, lease });

describe.each<Driver>(DRIVERS)('PaymentsRepository on %s', (driver) => {
  let testDb: TestDatabase | undefined;
  let t: ServiceTestDb;
  let db: Db;
  let repo: PaymentsRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'payments');
    ({ db, testDb } = t);
    repo = new PaymentsRepository(db);
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  async function countRows(m: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from payments.payments where merchant_id = ${m}`);
    return Number(row.n);
  }

  it('claims a new payment: owned, PROCESSING at step accounts, leased, with its fields round-tripped', async () => {
    const m = merchant('new');
    const p = payment({ amountMinor: 9_007_199_254_740_993n, metadata: { b: '2', a: '1' } });
    const claim = await repo.claim(m, p, at(30_000), T0);
    expect(claim).toMatchObject({ kind: 'owned', resumed: false });
    if (claim.kind !== 'owned') throw new Error('unreachable');
    expect(claim.row).toMatchObject({
      merchantId: m,
      id: p.id,
      idempotencyKey: p.idempotencyKey,
      requestHash: p.requestHash,
      status: 'PROCESSING',
      step: 'accounts',
      currency: 'USD',
      amountMinor: 9_007_199_254_740_993n,
      sourceAccount: 'ACC_SRC_0001',
      destinationAccount: 'ACC_DST_0001',
      metadata: { a: '1', b: '2' },
      debitCurrency: null,
      failureCode: null,
    });
    expect(typeof claim.row.amountMinor).toBe('bigint');
    expect(claim.row.leaseExpiresAt).toEqual(at(30_000));
    expect(claim.row.createdAt).toBeInstanceOf(Date);

    const found = await repo.find(m, p.id);
    expect(found).toEqual(claim.row);
    expect(await repo.find(m, 'PAY-none')).toBeUndefined();
  });

  it('answers in_progress for the same key and hash while the lease is valid', async () => {
    const m = merchant('busy');
    const p = payment();
    const first = await repo.claim(m, p, at(30_000), T0);
    expect(first.kind).toBe('owned');
    const second = await repo.claim(m, p, at(60_000), at(29_999));
    expect(second).toMatchObject({ kind: 'in_progress', row: { id: p.id, status: 'PROCESSING' } });
    // The in-progress answer did not touch the lease.
    expect((await repo.find(m, p.id))!.leaseExpiresAt).toEqual(at(30_000));
    // A lease ending exactly now is still valid (strictly "ran out" = before now).
    expect((await repo.claim(m, p, at(60_000), at(30_000))).kind).toBe('in_progress');
    expect(await countRows(m)).toBe(1);
  });

  it('replays a finished payment: done with the stored row, whatever the lease would say', async () => {
    const m = merchant('done');
    const p = payment();
    await repo.claim(m, p, at(30_000), T0);
    const finished = await repo.finish(attempt(m, p.id, at(30_000)), CAPTURED);
    expect(finished).toMatchObject({
      status: 'CAPTURED',
      step: null,
      leaseExpiresAt: null,
      debitCurrency: 'USD',
      debitAmountMinor: 12345n,
      creditAmountMinor: 12345n,
      risk: CAPTURED.risk,
    });
    for (const now of [at(1), at(10 * 60_000)]) {
      const replay = await repo.claim(m, p, at(3_600_000), now);
      expect(replay.kind).toBe('done');
      if (replay.kind === 'done') expect(replay.row).toEqual(finished);
    }
  });

  it('answers key_reused for the same key with another request hash (even for another id)', async () => {
    const m = merchant('reuse');
    const p = payment({ idempotencyKey: 'key-1' });
    await repo.claim(m, p, at(30_000), T0);
    const other = payment({ id: p.id, idempotencyKey: 'key-1', amountMinor: 99n });
    const claim = await repo.claim(m, other, at(30_000), T0);
    expect(claim).toMatchObject({ kind: 'key_reused', row: { id: p.id, requestHash: p.requestHash } });

    const otherId = payment({ idempotencyKey: 'key-1' });
    expect((await repo.claim(m, otherId, at(30_000), T0)).kind).toBe('key_reused');
    // Also after the payment finished: the body check comes before the replay.
    await repo.finish(attempt(m, p.id, at(30_000)), CAPTURED);
    expect((await repo.claim(m, other, at(30_000), T0)).kind).toBe('key_reused');
    expect(await countRows(m)).toBe(1);
  });

  it('answers id_exists for another key with the same payment id', async () => {
    const m = merchant('idx');
    const p = payment({ idempotencyKey: 'key-a' });
    await repo.claim(m, p, at(30_000), T0);
    expect(await repo.claim(m, payment({ id: p.id, idempotencyKey: 'key-b' }), at(30_000), T0)).toEqual({ kind: 'id_exists' });
    // The same body under another key is still another request for an existing id.
    expect(await repo.claim(m, { ...p, idempotencyKey: 'key-c' }, at(30_000), T0)).toEqual({ kind: 'id_exists' });
    await repo.finish(attempt(m, p.id, at(30_000)), CAPTURED);
    expect(await repo.claim(m, { ...p, idempotencyKey: 'key-d' }, at(30_000), T0)).toEqual({ kind: 'id_exists' });
    expect(await countRows(m)).toBe(1);
  });

  it('takes over a PROCESSING payment whose lease ran out: owned, resumed, lease extended; a second takeover is in_progress', async () => {
    const m = merchant('lease');
    const p = payment();
    await repo.claim(m, p, at(30_000), T0);

    const later = at(30_001);
    const takeover = await repo.claim(m, p, at(90_000), later);
    expect(takeover).toMatchObject({ kind: 'owned', resumed: true });
    if (takeover.kind !== 'owned') throw new Error('unreachable');
    // The resumed attempt gets the payment as claimed: nothing is written before its final state.
    expect(takeover.row).toMatchObject({ status: 'PROCESSING', step: 'accounts', debitCurrency: null, amountMinor: p.amountMinor });
    expect(takeover.row.leaseExpiresAt).toEqual(at(90_000));
    expect((await repo.find(m, p.id))!.leaseExpiresAt).toEqual(at(90_000));

    // Another attempt arriving at the same moment finds the lease just extended.
    const second = await repo.claim(m, p, at(95_000), later);
    expect(second).toMatchObject({ kind: 'in_progress', row: { leaseExpiresAt: at(90_000) } });
    // And once that lease also runs out, yet another attempt takes over.
    const third = await repo.claim(m, p, at(200_000), at(90_001));
    expect(third).toMatchObject({ kind: 'owned', resumed: true });
    expect(await countRows(m)).toBe(1);
  });

  it('lets exactly one of two simultaneous takeovers of an expired lease own the payment', async () => {
    const m = merchant('race-lease');
    const p = payment();
    await repo.claim(m, p, at(30_000), T0);
    const claims = await Promise.all([repo.claim(m, p, at(90_000), at(60_000)), repo.claim(m, p, at(91_000), at(60_000))]);
    expect(claims.map(kindOf).sort()).toEqual(['in_progress', 'owned']);
    const owned = claims.find((c) => c.kind === 'owned')!;
    expect(owned).toMatchObject({ resumed: true });
    if (owned.kind === 'owned') expect((await repo.find(m, p.id))!.leaseExpiresAt).toEqual(owned.row.leaseExpiresAt);
  });

  it('release deletes only a PROCESSING payment, and a later claim inserts it anew', async () => {
    const m = merchant('release');
    const p = payment();
    await repo.claim(m, p, at(30_000), T0);
    await repo.release(attempt(m, p.id, at(30_000)));
    expect(await repo.find(m, p.id)).toBeUndefined();

    const again = await repo.claim(m, p, at(45_000), at(1_000));
    expect(again).toMatchObject({ kind: 'owned', resumed: false, row: { step: 'accounts', leaseExpiresAt: at(45_000) } });

    // A finished payment is never released.
    const done = await repo.finish(attempt(m, p.id, at(45_000)), CAPTURED);
    await repo.release(attempt(m, p.id, at(45_000)));
    expect(await repo.find(m, p.id)).toEqual(done);
    // Releasing what does not exist is a no-op.
    await expect(repo.release(attempt(m, 'PAY-missing', T0))).resolves.toBeUndefined();
  });

  it('finish moves only a PROCESSING payment: a second finish returns the stored row unchanged', async () => {
    const m = merchant('finish');
    const p = payment();
    await repo.claim(m, p, at(30_000), T0);
    const failed = await repo.finish(attempt(m, p.id, at(30_000)), {
      status: 'FAILED',
      failureCode: 'INSUFFICIENT_FUNDS',
      failureMessage: 'not enough',
      failureDetails: { currency: 'USD', available: '1.00', required: '123.45' },
      risk: null,
    });
    expect(failed).toMatchObject({
      status: 'FAILED',
      failureCode: 'INSUFFICIENT_FUNDS',
      failureDetails: { currency: 'USD', available: '1.00', required: '123.45' },
      step: null,
      leaseExpiresAt: null,
    });
    const second = await repo.finish(attempt(m, p.id, at(30_000)), CAPTURED);
    expect(second).toBeUndefined();
    expect(await repo.find(m, p.id)).toEqual(failed);
  });

  it('fences a late attempt: once a retry took over its lease, it can neither finish nor release the payment', async () => {
    const m = merchant('fence');
    const p = payment();
    await repo.claim(m, p, at(1_000), T0);
    const late = attempt(m, p.id, at(1_000));
    const takeover = await repo.claim(m, p, at(60_000), at(2_000));
    expect(takeover).toMatchObject({ kind: 'owned', resumed: true });
    expect(await repo.finish(late, CAPTURED)).toBeUndefined();
    await repo.release(late);
    expect(await repo.find(m, p.id)).toMatchObject({
      status: 'PROCESSING',
      step: 'accounts',
      debitCurrency: null,
      leaseExpiresAt: at(60_000),
    });
    // The owner still can.
    expect(await repo.finish(attempt(m, p.id, at(60_000)), CAPTURED)).toMatchObject({ status: 'CAPTURED' });
  });

  it('concurrent final states of many attempts (batched): each applies only under its own lease, with one event each', async () => {
    const m = merchant('batch');
    const ps = Array.from({ length: 12 }, () => payment());
    for (const p of ps) await repo.claim(m, p, at(30_000), T0);
    const lease = (i: number) => (i % 4 === 3 ? at(29_999) : at(30_000)); // every 4th attempt is not the owner
    const failed: Outcome = { status: 'FAILED', failureCode: 'INSUFFICIENT_FUNDS', failureMessage: 'no', failureDetails: { need: '1' } };
    // A held payment: its own debit (the largest amount a bigint column must carry exactly).
    const pending = (i: number): Outcome => ({
      ...CAPTURED,
      status: 'PENDING',
      debitCurrency: 'EUR',
      debitAmountMinor: 10n ** 15n + BigInt(i),
    });
    const outcomes = ps.map((_, i) => (i % 3 === 0 ? pending(i) : i % 3 === 1 ? CAPTURED : failed));
    const results = await Promise.all(ps.map((p, i) => repo.finish(attempt(m, p.id, lease(i)), outcomes[i])));
    for (const [i, p] of ps.entries()) {
      const row = (await repo.find(m, p.id))!;
      const events = await repo.listEvents(m, 10, p.id);
      if (i % 4 === 3) {
        expect([results[i], row.status, row.step, row.debitCurrency, events.rows]).toEqual([undefined, 'PROCESSING', 'accounts', null, []]);
        continue;
      }
      const status = outcomes[i].status;
      expect(results[i]).toMatchObject({ status, step: null, leaseExpiresAt: null });
      expect(row).toMatchObject({ status, amountMinor: p.amountMinor, metadata: p.metadata });
      if (status === 'FAILED') expect(row).toMatchObject({ failureCode: 'INSUFFICIENT_FUNDS', failureDetails: { need: '1' } });
      else if (status === 'PENDING') expect(row).toMatchObject({ debitCurrency: 'EUR', debitAmountMinor: 10n ** 15n + BigInt(i) });
      else expect(row).toMatchObject({ debitAmountMinor: 12345n, risk: CAPTURED.risk });
      expect(events.rows.map((e) => [e.fromStatus, e.toStatus])).toEqual([['PROCESSING', status]]);
    }
  });

  it('concurrent claims of many payments (batched): new ones owned, finished ones replayed, conflicts reported', async () => {
    const m = merchant('claims');
    const done = payment();
    await repo.claim(m, done, at(30_000), T0);
    await repo.finish(attempt(m, done.id, at(30_000)), CAPTURED);
    const taken = payment();
    await repo.claim(m, taken, at(30_000), T0);
    const fresh = Array.from({ length: 6 }, () => payment());
    const claims = await Promise.all([
      ...fresh.map((p) => repo.claim(m, p, at(30_000), T0)),
      repo.claim(m, done, at(30_000), T0),
      repo.claim(m, { ...done, amountMinor: 1n, requestHash: 'other' }, at(30_000), T0),
      repo.claim(m, { ...taken, idempotencyKey: 'another-key' }, at(30_000), T0),
      repo.claim(m, fresh[0], at(30_000), T0),
    ]);
    expect(claims.map(kindOf)).toEqual([
      'owned',
      'owned',
      'owned',
      'owned',
      'owned',
      'owned',
      'done',
      'key_reused',
      'id_exists',
      'in_progress',
    ]);
    for (const [i, p] of fresh.entries()) expect(claims[i]).toMatchObject({ row: { id: p.id, status: 'PROCESSING' }, resumed: false });
    expect(await countRows(m)).toBe(8);
  });

  it('outbox: claims unpublished events oldest first with their payment, once per claim, until published', async () => {
    // Earlier tests' events first: the relay's claim takes the oldest of every merchant.
    for (let batch = await repo.claimUnpublished(1000, 60_000); batch.length > 0; batch = await repo.claimUnpublished(1000, 60_000)) {
      await repo.markPublished(batch.map((c) => c.event.id));
    }
    const m = merchant('outbox');
    const [p1, p2] = [payment(), payment({ amountMinor: 500n })];
    for (const p of [p1, p2]) await repo.claim(m, p, at(30_000), T0);
    await repo.finish(attempt(m, p1.id, at(30_000)), { ...CAPTURED, capturedAmountMinor: 12345n });
    await repo.finish(attempt(m, p2.id, at(30_000)), {
      status: 'FAILED',
      failureCode: 'INSUFFICIENT_FUNDS',
      failureMessage: 'no',
      risk: null,
    });

    const claimed = await repo.claimUnpublished(10, 60_000);
    expect(claimed.map((c) => [c.event.paymentId, c.event.toStatus])).toEqual([
      [p1.id, 'CAPTURED'],
      [p2.id, 'FAILED'],
    ]);
    expect(claimed[0].event.id < claimed[1].event.id).toBe(true);
    expect(typeof claimed[0].event.id).toBe('bigint');
    expect(claimed[0].event.claimedUntil).toBeInstanceOf(Date);
    // The payment as `find` reads it: typed columns (bigint amounts, dates, JSON) mapped alike.
    expect(claimed[0].payment).toEqual(await repo.find(m, p1.id));
    expect(claimed[1].payment).toMatchObject({ id: p2.id, status: 'FAILED', amountMinor: 500n, failureCode: 'INSUFFICIENT_FUNDS' });
    expect(await repo.claimUnpublished(10, 60_000)).toEqual([]);

    await repo.markPublished([claimed[0].event.id]);
    // A claim that lapsed (0 ms) is taken again; a published event never is.
    expect((await repo.claimUnpublished(10, 0)).map((c) => c.event.paymentId)).toEqual([]);
    await queryRows(
      db,
      sql`update payments.payment_events set claimed_until = now() - interval '1 second' where id = ${claimed[1].event.id}`,
    );
    const again = await repo.claimUnpublished(10, 0);
    expect(again.map((c) => c.event.id)).toEqual([claimed[1].event.id]);
    const lapsed = await repo.claimUnpublished(10, 60_000);
    expect(lapsed.map((c) => c.event.id)).toEqual([claimed[1].event.id]);
    await repo.markPublished([claimed[0].event.id, claimed[1].event.id]);
    expect(await repo.oldestUnpublished()).toBeUndefined();
    const [first] = await queryRows<{ published_at: Date }>(
      db,
      sql`select published_at from payments.payment_events where id = ${claimed[0].event.id}`,
    );
    expect(first.published_at).not.toBeNull();
  });

  it('keeps merchants apart: the same id and key under another merchant is another payment', async () => {
    const m1 = merchant('iso1');
    const m2 = merchant('iso2');
    const p = payment();
    expect((await repo.claim(m1, p, at(30_000), T0)).kind).toBe('owned');
    expect((await repo.claim(m2, p, at(30_000), T0)).kind).toBe('owned');
    await repo.finish(attempt(m1, p.id, at(30_000)), CAPTURED);
    expect((await repo.find(m2, p.id))!.status).toBe('PROCESSING');
    await repo.release(attempt(m2, p.id, at(30_000)));
    expect((await repo.find(m1, p.id))!.status).toBe('CAPTURED');
    expect(await repo.find(m2, p.id)).toBeUndefined();
  });

  if (driver === 'postgres') {
    it('lets exactly one of 10 concurrent claims of a new payment own it; the others are in_progress', async () => {
      const m = merchant('race');
      const p = payment();
      // Separate pools too, as separate replicas would have.
      const others = [0, 1].map(() => openDatabase({ url: testDb!.url, pgliteDir: '', poolSize: 5 }));
      try {
        const repos = [repo, ...others.map((o) => new PaymentsRepository(o.db))];
        const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => repos[i % repos.length].claim(m, p, at(30_000), T0)));
        const kinds = claims.map(kindOf);
        expect(kinds.filter((k) => k === 'owned')).toHaveLength(1);
        expect(kinds.filter((k) => k === 'in_progress')).toHaveLength(9);
        expect(claims.find((c) => c.kind === 'owned')).toMatchObject({ resumed: false });
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
      expect(await countRows(m)).toBe(1);
    });

    it('concurrent claims after a release: one owns the re-inserted payment, none fails', async () => {
      const m = merchant('race-release');
      const p = payment();
      await repo.claim(m, p, at(30_000), T0);
      const release = repo.release(attempt(m, p.id, at(30_000)));
      const claims = await Promise.all([release, ...Array.from({ length: 6 }, () => repo.claim(m, p, at(30_000), T0))]);
      const kinds = (claims.slice(1) as Claim[]).map(kindOf);
      for (const k of kinds) expect(['owned', 'in_progress']).toContain(k);
      expect(await countRows(m)).toBeLessThanOrEqual(1);
    });
  }
});
