import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { EventBus } from '@paygate/transport';
import { requestHash } from './domain/payment';
import { OutboxRelay } from './outbox.relay';
import { Outcome, PaymentsRepository } from './persistence/payments.repository';

const CAPTURED: Outcome = {
  status: 'CAPTURED',
  debitCurrency: 'USD',
  debitAmountMinor: 100n,
  creditCurrency: 'USD',
  creditAmountMinor: 100n,
  capturedAmountMinor: 100n,
  fx: null,
  risk: { score: 0, decision: 'APPROVE', reasons: [], rules_version: 'v1' },
};

/** The transport side of the relay: records what was published, refuses the payments it is told to. */
class RecordingBus {
  readonly published: Array<{ subject: string; id: string; payment: string }> = [];
  constructor(private readonly refuse: ReadonlySet<string>) {}
  publishDurable(_stream: unknown, subject: string, payload: { id: string; payment_id: string }): Promise<void> {
    if (this.refuse.has(payload.payment_id)) return Promise.reject(new Error('stream unavailable'));
    this.published.push({ subject, id: payload.id, payment: payload.payment_id });
    return Promise.resolve();
  }
}

describe.each<Driver>(DRIVERS)('OutboxRelay on %s', (driver) => {
  let t: ServiceTestDb;
  let repo: PaymentsRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'payments');
    repo = new PaymentsRepository(t.db);
  }, 60_000);
  afterAll(() => t?.close(), 30_000);

  async function captured(id: string): Promise<void> {
    const intent = {
      id,
      currency: 'USD',
      amountMinor: 100n,
      sourceAccount: 'ACC_A',
      destinationAccount: 'ACC_B',
      metadata: {},
      captureMethod: 'automatic' as const,
    };
    const lease = new Date(Date.now() + 30_000);
    const claim = await repo.claim('m_relay', { ...intent, idempotencyKey: id, requestHash: requestHash(intent) }, lease, new Date());
    if (claim.kind !== 'owned') throw new Error(`claim ${claim.kind}`);
    await repo.finish({ merchantId: 'm_relay', id, lease }, CAPTURED);
  }

  it('publishes a pass together, in claim order; an event that could not be sent stays unpublished, the others are marked', async () => {
    const ids = ['PAY-R1', 'PAY-R2', 'PAY-R3', 'PAY-R4'];
    for (const id of ids) await captured(id);
    const bus = new RecordingBus(new Set(['PAY-R2']));
    const relay = new OutboxRelay(repo, bus as unknown as EventBus, new Registry());

    expect(await relay.pass()).toBe(3);
    expect(bus.published.map((p) => p.payment)).toEqual(['PAY-R1', 'PAY-R3', 'PAY-R4']);
    expect(new Set(bus.published.map((p) => p.subject))).toEqual(new Set(['payments.payment.captured']));
    const rows = await queryRows<{ payment_id: string; published: boolean; claimed: boolean }>(
      t.db,
      sql`select payment_id, published_at is not null as published, claimed_until is not null as claimed
            from payments.payment_events where merchant_id = 'm_relay' order by id`,
    );
    expect(rows.map((r) => [r.payment_id, r.published, r.claimed])).toEqual([
      ['PAY-R1', true, false],
      ['PAY-R2', false, true],
      ['PAY-R3', true, false],
      ['PAY-R4', true, false],
    ]);
    // Still claimed by the failed pass: the next pass leaves it alone until the claim runs out.
    expect(await relay.pass()).toBe(0);
    await t.db.execute(sql`update payments.payment_events set claimed_until = now() - interval '1 second' where payment_id = 'PAY-R2'`);
    const retry = new OutboxRelay(repo, new RecordingBus(new Set()) as unknown as EventBus, new Registry());
    expect(await retry.pass()).toBe(1);
  });

  it('drains a backlog in passes back to back, and stops at a pass that was not full or not all sent', async () => {
    const ids = ['PAY-D1', 'PAY-D2', 'PAY-D3', 'PAY-D4', 'PAY-D5'];
    // Earlier tests' events out of the way: published by a relay that sends everything.
    await new OutboxRelay(repo, new RecordingBus(new Set()) as unknown as EventBus, new Registry()).drain();
    for (const id of ids) await captured(id);
    const bus = new RecordingBus(new Set());
    const relay = new OutboxRelay(repo, bus as unknown as EventBus, new Registry());
    // Batches of 2: 2, 2, then 1 (not full): all five in one call, in order.
    expect(await relay.drain(2)).toBe(5);
    expect(bus.published.map((p) => p.payment)).toEqual(ids);
    expect(await relay.drain(2)).toBe(0);

    for (const id of ['PAY-D6', 'PAY-D7', 'PAY-D8', 'PAY-D9']) await captured(id);
    const refusing = new RecordingBus(new Set(['PAY-D6']));
    // The first pass (D6, D7) sent one of two: no second pass at once, D8 and D9 wait for the next poll.
    expect(await new OutboxRelay(repo, refusing as unknown as EventBus, new Registry()).drain(2)).toBe(1);
    expect(refusing.published.map((p) => p.payment)).toEqual(['PAY-D7']);
  });
});
