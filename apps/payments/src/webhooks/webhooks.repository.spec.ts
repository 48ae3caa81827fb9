import { AddressInfo } from 'node:net';
import { Server, createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import type { RuntimeConfig, WebhookSettings } from '@paygate/platform';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { verifyWebhookSignature } from './domain/signing';
import { WebhookSender } from './webhook-sender';
import { WebhookWorker } from './webhook-worker';
import { WebhooksRepository } from './webhooks.repository';

const suffix = () => randomBytes(4).toString('hex');

describe.each<Driver>(DRIVERS)('WebhooksRepository and WebhookWorker on %s', (driver) => {
  jest.setTimeout(30_000);
  let t: ServiceTestDb;
  let repo: WebhooksRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'payments');
    repo = new WebhooksRepository(t.db);
  }, 60_000);
  afterAll(() => t?.close());

  const endpoint = (merchantId: string, events: string[] = ['*'], url = 'http://127.0.0.1:9/hook') =>
    repo.createEndpoint({ id: `we_${suffix()}${suffix()}`, merchantId, url, events, secret: `whsec_${suffix()}` });
  const delivery = (merchantId: string, endpointId: string, n: number) => ({
    merchantId,
    endpointId,
    eventId: `evt_${n}`,
    eventType: 'payment.captured',
    payload: JSON.stringify({ id: `evt_${n}`, type: 'payment.captured', created: new Date().toISOString(), data: {} }),
  });

  it('matches the live endpoints of the merchant that take the type and existed at the event', async () => {
    const m = `m_${suffix()}`;
    const all = await endpoint(m);
    const refunds = await endpoint(m, ['payment.refunded']);
    const gone = await endpoint(m);
    await repo.deleteEndpoint(m, gone.id);
    await endpoint(`m_other_${suffix()}`);
    const later = new Date(Date.now() + 60_000);
    const ids = async (type: string, at: Date) => (await repo.matchingEndpoints(m, type, at)).map((e) => e.id).sort();
    expect(await ids('payment.captured', later)).toEqual([all.id]);
    expect(await ids('payment.refunded', later)).toEqual([all.id, refunds.id].sort());
    // An event from before the endpoints existed goes to none of them.
    expect(await ids('payment.captured', new Date(all.createdAt.getTime() - 1000))).toEqual([]);
  });

  it('records a delivery once per (endpoint, event); claims never hand the same delivery to two workers', async () => {
    const m = `m_${suffix()}`;
    const ep = await endpoint(m);
    const rows = Array.from({ length: 12 }, (_, i) => delivery(m, ep.id, 1000 + i));
    expect(await repo.recordDeliveries(rows)).toBe(12);
    expect(await repo.recordDeliveries(rows)).toBe(0);
    const [a, b, c] = await Promise.all([repo.claimDue(5, 60_000), repo.claimDue(5, 60_000), repo.claimDue(5, 60_000)]);
    const mine = (list: typeof a) => list.filter((x) => x.delivery.endpointId === ep.id).map((x) => x.delivery.id);
    const claimed = [...mine(a), ...mine(b), ...mine(c)];
    expect(new Set(claimed).size).toBe(claimed.length);
    // Whatever is left of this endpoint's deliveries is claimed by the next call, none twice.
    const rest = mine(await repo.claimDue(100, 60_000));
    expect(new Set([...claimed, ...rest]).size).toBe(12);
    expect(mine(await repo.claimDue(100, 60_000))).toEqual([]);
  });

  it('an automatic attempt does not undo a manual delivery; deleting an endpoint cancels what is pending', async () => {
    const m = `m_${suffix()}`;
    const ep = await endpoint(m);
    await repo.recordDeliveries([delivery(m, ep.id, 1), delivery(m, ep.id, 2)]);
    const claimed = (await repo.claimDue(100, 60_000)).filter((c) => c.delivery.endpointId === ep.id);
    expect(claimed).toHaveLength(2);
    const [first] = claimed;
    const attempt = (statusCode: number | null, trigger: 'automatic' | 'manual') => ({
      attemptedAt: new Date(),
      statusCode,
      error: statusCode === null ? 'ECONNREFUSED' : null,
      durationMs: 3,
      trigger,
    });
    await repo.recordAttempt(first.delivery.id, null, attempt(200, 'manual'), { status: 'delivered', nextAttemptAt: null });
    const after = await repo.recordAttempt(first.delivery.id, first.delivery.claimToken, attempt(null, 'automatic'), {
      status: 'pending',
      nextAttemptAt: new Date(Date.now() + 1000),
    });
    expect(after).toMatchObject({ status: 'delivered', attemptCount: 2, lastError: 'ECONNREFUSED', claimToken: null });
    expect((await repo.attemptsOf(first.delivery.id)).map((a) => a.trigger)).toEqual(['manual', 'automatic']);

    await repo.deleteEndpoint(m, ep.id);
    const page = await repo.listDeliveries(m, ep.id, 10);
    expect(page.rows.map((r) => r.status).sort()).toEqual(['canceled', 'delivered']);
  });

  describe('the worker', () => {
    let server: Server;
    let url: string;
    const seen: Array<{ signature: string; body: string }> = [];
    let answer = 500;
    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ signature: String(req.headers['paygate-signature']), body: Buffer.concat(chunks).toString() });
          res.writeHead(answer).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    const worker = (webhooks: Partial<WebhookSettings>) => {
      const rt = {
        webhooks: { retryBaseMs: 1, retryMaxMs: 5, maxAttempts: 3, timeoutMs: 2000, pollMs: 1000, allowPrivateUrls: true, ...webhooks },
      } as RuntimeConfig;
      const registry = new Registry();
      return { w: new WebhookWorker(repo, new WebhookSender(rt, registry), rt), registry };
    };

    /** Runs passes until the delivery leaves `pending` (each pass sends what is due). */
    async function drain(w: WebhookWorker, m: string, endpointId: string): Promise<void> {
      const end = Date.now() + 10_000;
      for (;;) {
        await w.pass();
        const { rows } = await repo.listDeliveries(m, endpointId, 10);
        if (rows.every((r) => r.status !== 'pending')) return;
        if (Date.now() > end) throw new Error('deliveries still pending');
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    it('retries a failing endpoint with backoff, then marks the delivery failed after the attempt limit', async () => {
      answer = 500;
      const m = `m_${suffix()}`;
      const ep = await endpoint(m, ['*'], url);
      await repo.recordDeliveries([delivery(m, ep.id, 77)]);
      const { w, registry } = worker({ maxAttempts: 3 });
      await drain(w, m, ep.id);
      const [d] = (await repo.listDeliveries(m, ep.id, 10)).rows;
      expect(d).toMatchObject({ status: 'failed', attemptCount: 3, lastStatusCode: 500 });
      const attempts = await repo.attemptsOf(d.id);
      expect(attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
      expect(attempts[1].attemptedAt.getTime()).toBeGreaterThanOrEqual(attempts[0].attemptedAt.getTime());
      const metrics = await registry.metrics();
      expect(metrics).toMatch(/webhook_deliveries_total\{outcome="retry_scheduled"\} 2/);
      expect(metrics).toMatch(/webhook_deliveries_total\{outcome="failed"\} 1/);
      expect(metrics).toMatch(/webhook_delivery_attempt_seconds_count\{result="5xx"\} 3/);
      const last = seen[seen.length - 1];
      expect(verifyWebhookSignature(ep.secret, last.signature, last.body, 60)).toBe(true);
    });

    it('records a connection error as an attempt without a status code, and delivers on a 2xx', async () => {
      const m = `m_${suffix()}`;
      const closed = await endpoint(m, ['*'], 'http://127.0.0.1:9/closed');
      await repo.recordDeliveries([delivery(m, closed.id, 88)]);
      const { w } = worker({ maxAttempts: 1 });
      await drain(w, m, closed.id);
      const [d] = (await repo.listDeliveries(m, closed.id, 10)).rows;
      expect(d).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: null });
      expect(d.lastError).toEqual(expect.any(String));

      answer = 204;
      const ok = await endpoint(m, ['*'], url);
      await repo.recordDeliveries([delivery(m, ok.id, 89)]);
      await drain(w, m, ok.id);
      expect((await repo.listDeliveries(m, ok.id, 10)).rows[0]).toMatchObject({
        status: 'delivered',
        attemptCount: 1,
        lastStatusCode: 204,
      });
    });
  });
});
