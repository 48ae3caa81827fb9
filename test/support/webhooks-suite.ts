import request from 'supertest';
import { AddressInfo } from 'node:net';
import { Server, createServer } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DomainError } from '@paygate/contracts';
import { startService } from '@paygate/platform';
import { freePort } from '@paygate/testing';
import { paymentsService } from '../../apps/payments/src/payments-app.module';
import { RequestContext } from '@paygate/transport';
import { verifyWebhookSignature } from '../../apps/payments/src/webhooks';
import { WebhooksService } from '../../apps/payments/src/webhooks/webhooks.service';
import type { EnvironmentOptions, TestEnvironment } from './environments';
import { eventually } from './eventually';

interface Received {
  path: string;
  eventId: string;
  signature: string;
  raw: string;
  body: { id: string; type: string; created: string; data: { payment: { id: string; status: string } | null; payment_id: string } };
  answered: number;
}

/** A webhook receiver on loopback: records every request; answers 200, or 503 while "down". */
class Receiver {
  readonly requests: Received[] = [];
  down = false;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const answered = this.down ? 503 : 200;
        this.requests.push({
          path: req.url ?? '',
          eventId: String(req.headers['paygate-event-id'] ?? ''),
          signature: String(req.headers['paygate-signature'] ?? ''),
          raw,
          body: JSON.parse(raw) as Received['body'],
          answered,
        });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'down');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests to `path` that were answered 200. */
  accepted(path: string): Received[] {
    return this.requests.filter((r) => r.path === path && r.answered === 200);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

interface Delivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  last_status_code: number | null;
  attempts?: Array<{ status_code: number | null; error: string | null; duration_ms: number; trigger: string; attempted_at: string }>;
}

/**
 * Webhooks through the gateway, identically in both modes: endpoints (validation, listing,
 * idempotent create), every payment event delivered at least once with a valid signature to a
 * loopback receiver, also after the receiver was down for a while (failed attempts visible),
 * manual replay, secret rotation, deletion, and another merchant seeing nothing.
 */
export function webhooksSuite(
  name: string,
  start: (o: EnvironmentOptions) => Promise<TestEnvironment>,
  opts: {
    /** Separate services: a second payments replica shares the work, then the first one stops. */
    replicas?: boolean;
  } = {},
): void {
  describe(name, () => {
    // Each test waits on observable outcomes (deliveries, retries) on a shared, loaded machine.
    jest.setTimeout(60_000);
    let env: TestEnvironment;
    const receiver = new Receiver();
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });
    const gw = () => request(env.urls.gateway);
    const pay = (body: Record<string, unknown>) =>
      gw()
        .post('/payments')
        .set(auth())
        .send({ currency: 'USD', source_account: 'ACC_SRC_0100', destination_account: 'ACC_DST_0100', ...body });
    /** The ids of a payment's events, oldest first. */
    const eventIdsOf = async (paymentId: string): Promise<string[]> => {
      const res = await gw().get(`/events?payment_id=${paymentId}&limit=100`).set(auth()).expect(200);
      return (res.body.data as Array<{ id: string }>).map((e) => e.id).reverse();
    };
    const deliveriesOf = async (endpointId: string, status?: string): Promise<Delivery[]> => {
      const res = await gw()
        .get(`/webhook_endpoints/${endpointId}/deliveries?limit=100${status ? `&status=${status}` : ''}`)
        .set(auth())
        .expect(200);
      return res.body.data as Delivery[];
    };
    /** Waits until `path` accepted each event id (answered 200) and returns those requests. */
    const receivedAll = (path: string, ids: string[], what: string) =>
      eventually(
        async () => {
          const got = receiver.accepted(path);
          return ids.every((id) => got.some((r) => r.eventId === id)) ? got.filter((r) => ids.includes(r.eventId)) : undefined;
        },
        20_000,
        what,
      );

    let endpoint: { id: string; secret: string };
    let refundsOnly: { id: string; secret: string };
    const firstEvents: string[] = [];

    beforeAll(async () => {
      await receiver.start();
      env = await start({ webhooks: { retryBaseMs: 40, retryMaxMs: 300, maxAttempts: 1000, pollMs: 50, timeoutMs: 2000 } });
    }, 90_000);
    let replica: INestApplication | undefined;
    afterAll(async () => {
      await replica?.close();
      await env?.close();
      await receiver.stop();
    }, 30_000);

    it('refuses bad endpoints with clear 4xx codes', async () => {
      const bad = async (body: Record<string, unknown>, status: number, code: string) => {
        const res = await gw().post('/webhook_endpoints').set(auth()).send(body).expect(status);
        expect(res.body.error.code).toBe(code);
        return res.body.error;
      };
      await bad({}, 400, 'VALIDATION_ERROR');
      await bad({ url: 'ftp://merchant.example/hook' }, 400, 'VALIDATION_ERROR');
      await bad({ url: 'https://user:pw@merchant.example/hook' }, 400, 'VALIDATION_ERROR');
      const types = await bad({ url: `${receiver.url}/a`, events: ['payment.bogus'] }, 400, 'VALIDATION_ERROR');
      expect(JSON.stringify(types)).toContain('payment.captured');
      await bad({ url: `${receiver.url}/a`, events: [] }, 400, 'VALIDATION_ERROR');
      await bad({ url: `${receiver.url}/a`, secret: 'mine' }, 400, 'VALIDATION_ERROR');
      const missing = await gw().get('/webhook_endpoints/we_0000000000000000').set(auth()).expect(404);
      expect(missing.body.error.code).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
      await gw().get('/webhook_endpoints/nope').set(auth()).expect(400);
      expect((await gw().delete('/webhook_endpoints/we_0000000000000000').set(auth()).expect(404)).body.error.code).toBe(
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
      expect((await gw().get('/webhook_deliveries/whd_999999').set(auth()).expect(404)).body.error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
      expect((await gw().post('/webhook_deliveries/whd_999999/replay').set(auth()).send({}).expect(404)).body.error.code).toBe(
        'WEBHOOK_DELIVERY_NOT_FOUND',
      );
      await gw().get('/webhook_endpoints').expect(401);
    });

    it('creates endpoints (secret shown once, idempotent with a key), gets and lists them', async () => {
      const created = await gw()
        .post('/webhook_endpoints')
        .set(auth())
        .set('Idempotency-Key', 'wh-create-1')
        .send({ url: `${receiver.url}/a`, description: 'all events' })
        .expect(201);
      expect(created.body).toMatchObject({ id: expect.stringMatching(/^we_/), url: `${receiver.url}/a`, events: ['*'], status: 'enabled' });
      expect(created.body.secret).toMatch(/^whsec_/);
      endpoint = { id: created.body.id, secret: created.body.secret };
      const replay = await gw()
        .post('/webhook_endpoints')
        .set(auth())
        .set('Idempotency-Key', 'wh-create-1')
        .send({ url: `${receiver.url}/a`, description: 'all events' })
        .expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe(endpoint.id);

      const r = await gw()
        .post('/webhook_endpoints')
        .set(auth())
        .send({ url: `${receiver.url}/refunds`, events: ['payment.refunded', 'payment.partially_refunded'] })
        .expect(201);
      refundsOnly = { id: r.body.id, secret: r.body.secret };
      expect(r.body.events).toEqual(['payment.partially_refunded', 'payment.refunded']);

      const got = await gw().get(`/webhook_endpoints/${endpoint.id}`).set(auth()).expect(200);
      expect(got.body.secret).toBeUndefined();
      expect(got.body.url).toBe(`${receiver.url}/a`);
      const page1 = await gw().get('/webhook_endpoints?limit=1').set(auth()).expect(200);
      expect(page1.body).toMatchObject({ has_more: true, data: [{ id: refundsOnly.id }] });
      expect(page1.body.data[0].secret).toBeUndefined();
      const page2 = await gw().get(`/webhook_endpoints?limit=1&starting_after=${page1.body.next_cursor}`).set(auth()).expect(200);
      expect(page2.body).toMatchObject({ has_more: false, next_cursor: null, data: [{ id: endpoint.id }] });
      await gw().get('/webhook_endpoints?limit=0').set(auth()).expect(400);
    });

    it('delivers every payment event at least once, signed (capture, authorize+cancel, refund)', async () => {
      await pay({ id: 'WH-CAP-1', amount: '12.34' }).expect(200);
      await pay({ id: 'WH-AUTH-1', amount: '7.21', capture: false }).expect(200);
      await gw().post('/payments/WH-AUTH-1/cancel').set(auth()).send({}).expect(200);
      await gw().post('/payments/WH-CAP-1/refund').set(auth()).send({ amount: '2.00' }).expect(201);
      for (const p of ['WH-CAP-1', 'WH-AUTH-1']) firstEvents.push(...(await eventIdsOf(p)));
      expect(firstEvents.length).toBe(4);

      const got = await receivedAll('/a', firstEvents, 'the 4 events at /a');
      for (const r of got) {
        expect(verifyWebhookSignature(endpoint.secret, r.signature, r.raw, 60)).toBe(true);
        expect(verifyWebhookSignature(refundsOnly.secret, r.signature, r.raw, 60)).toBe(false);
        expect(r.body.id).toBe(r.eventId);
        expect(r.body.created).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
      expect(new Set(got.map((r) => r.body.type))).toEqual(
        new Set(['payment.captured', 'payment.authorized', 'payment.canceled', 'payment.partially_refunded']),
      );
      const refunded = got.find((r) => r.body.type === 'payment.partially_refunded')!;
      expect(refunded.body.data.payment_id).toBe('WH-CAP-1');

      // The filtered endpoint gets the refund only.
      const refunds = await receivedAll('/refunds', [refunded.eventId], 'the refund event at /refunds');
      expect(verifyWebhookSignature(refundsOnly.secret, refunds[0].signature, refunds[0].raw, 60)).toBe(true);
      expect(receiver.requests.filter((r) => r.path === '/refunds').every((r) => r.body.type === 'payment.partially_refunded')).toBe(true);

      const deliveries = await eventually(
        async () => {
          const d = await deliveriesOf(endpoint.id);
          return d.length === 4 && d.every((x) => x.status === 'delivered') ? d : undefined;
        },
        10_000,
        'four delivered deliveries',
      );
      const one = await gw().get(`/webhook_deliveries/${deliveries[0].id}`).set(auth()).expect(200);
      expect(one.body.attempts[0]).toMatchObject({ status_code: 200, error: null, trigger: 'automatic', duration_ms: expect.any(Number) });
    });

    it('keeps retrying while the receiver is down (failed attempts visible), then delivers everything', async () => {
      receiver.down = true;
      await pay({ id: 'WH-DOWN-1', amount: '3.33' }).expect(200);
      await pay({ id: 'WH-DOWN-2', amount: '4.44', capture: false }).expect(200);
      await gw().post('/payments/WH-DOWN-2/capture').set(auth()).send({}).expect(200);
      const downEvents = [...(await eventIdsOf('WH-DOWN-1')), ...(await eventIdsOf('WH-DOWN-2'))];
      expect(downEvents.length).toBe(3);

      // Attempts pile up as failures, visible through the API.
      const pending = await eventually(
        async () => {
          const d = (await deliveriesOf(endpoint.id, 'pending')).filter((x) => downEvents.includes(x.event_id));
          return d.length === 3 && d.every((x) => x.attempt_count >= 3 && x.last_status_code === 503) ? d : undefined;
        },
        20_000,
        'three pending deliveries with 3+ failed attempts each',
      );
      const detail = await gw().get(`/webhook_deliveries/${pending[0].id}`).set(auth()).expect(200);
      expect(detail.body.status).toBe('pending');
      expect(detail.body.next_attempt_at).toEqual(expect.any(String));
      expect(detail.body.attempts.length).toBeGreaterThanOrEqual(3);
      expect(detail.body.attempts.slice(0, 3).every((a: { status_code: number }) => a.status_code === 503)).toBe(true);

      receiver.down = false;
      const got = await receivedAll('/a', downEvents, 'the 3 events after the receiver came back');
      for (const r of got) expect(verifyWebhookSignature(endpoint.secret, r.signature, r.raw, 60)).toBe(true);
      await eventually(
        async () => {
          const d = (await deliveriesOf(endpoint.id)).filter((x) => downEvents.includes(x.event_id));
          return d.length === 3 && d.every((x) => x.status === 'delivered') ? true : undefined;
        },
        10_000,
        'the 3 deliveries marked delivered',
      );
      // Nothing was lost along the way: every event so far reached /a.
      await receivedAll('/a', [...firstEvents, ...downEvents], 'all 7 events at /a');

      const metrics = (await request(env.urls.payments).get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/webhook_deliveries_total\{[^}]*outcome="delivered"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/webhook_deliveries_total\{[^}]*outcome="retry_scheduled"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/webhook_delivery_attempt_seconds_count\{[^}]*result="5xx"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/webhook_delivery_attempt_seconds_count\{[^}]*result="2xx"[^}]*\} [1-9]/);
    });

    it('replays a delivery on demand and records the manual attempt', async () => {
      const [d] = await deliveriesOf(endpoint.id, 'delivered');
      const before = (await gw().get(`/webhook_deliveries/${d.id}`).set(auth()).expect(200)).body;
      const sentBefore = receiver.accepted('/a').filter((r) => r.eventId === d.event_id).length;
      const res = await gw().post(`/webhook_deliveries/${d.id}/replay`).set(auth()).send({}).expect(200);
      expect(res.body.status).toBe('delivered');
      expect(res.body.attempts.length).toBe(before.attempts.length + 1);
      expect(res.body.attempts[res.body.attempts.length - 1]).toMatchObject({ trigger: 'manual', status_code: 200 });
      const again = receiver.accepted('/a').filter((r) => r.eventId === d.event_id);
      expect(again.length).toBe(sentBefore + 1);
      expect(verifyWebhookSignature(endpoint.secret, again[again.length - 1].signature, again[again.length - 1].raw, 60)).toBe(true);
    });

    it('rotates the secret: later signatures verify with the new secret only', async () => {
      const rotated = await gw().post(`/webhook_endpoints/${endpoint.id}/rotate_secret`).set(auth()).send({}).expect(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(endpoint.secret);
      expect((await gw().get(`/webhook_endpoints/${endpoint.id}`).set(auth()).expect(200)).body.secret).toBeUndefined();
      const old = endpoint.secret;
      endpoint = { id: endpoint.id, secret: rotated.body.secret };

      await pay({ id: 'WH-ROT-1', amount: '5.55' }).expect(200);
      const ids = await eventIdsOf('WH-ROT-1');
      const [r] = await receivedAll('/a', ids, 'the event after rotation');
      expect(verifyWebhookSignature(endpoint.secret, r.signature, r.raw, 60)).toBe(true);
      expect(verifyWebhookSignature(old, r.signature, r.raw, 60)).toBe(false);
    });

    it('another merchant sees none of the endpoints or deliveries', async () => {
      const svc = env.apps.payments.get(WebhooksService, { strict: false });
      const asOther = <T>(fn: () => Promise<T>) =>
        RequestContext.run({ requestId: 'wh-other', merchantId: 'merchant_other', deadline: Date.now() + 5000 }, fn);
      expect((await asOther(() => svc.list({}))).data).toEqual([]);
      await expect(asOther(() => svc.get(endpoint.id))).rejects.toMatchObject({ code: 'WEBHOOK_ENDPOINT_NOT_FOUND' });
      await expect(asOther(() => svc.rotateSecret(endpoint.id))).rejects.toBeInstanceOf(DomainError);
      await expect(asOther(() => svc.delete(endpoint.id))).rejects.toMatchObject({ code: 'WEBHOOK_ENDPOINT_NOT_FOUND' });
      const [d] = await deliveriesOf(endpoint.id);
      await expect(asOther(() => svc.delivery(d.id))).rejects.toMatchObject({ code: 'WEBHOOK_DELIVERY_NOT_FOUND' });
      await expect(asOther(() => svc.replay(d.id))).rejects.toMatchObject({ code: 'WEBHOOK_DELIVERY_NOT_FOUND' });
      // Still there for its owner.
      await gw().get(`/webhook_endpoints/${endpoint.id}`).set(auth()).expect(200);
    });

    it('deleting an endpoint stops its deliveries', async () => {
      const witness = await gw()
        .post('/webhook_endpoints')
        .set(auth())
        .send({ url: `${receiver.url}/witness` })
        .expect(201);
      const del = await gw().delete(`/webhook_endpoints/${endpoint.id}`).set(auth()).expect(200);
      expect(del.body).toMatchObject({ id: endpoint.id, status: 'deleted' });
      expect(del.body.secret).toBeUndefined();
      expect((await gw().get(`/webhook_endpoints/${endpoint.id}`).set(auth()).expect(404)).body.error.code).toBe(
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
      const listed = await gw().get('/webhook_endpoints').set(auth()).expect(200);
      expect((listed.body.data as Array<{ id: string }>).map((e) => e.id)).not.toContain(endpoint.id);

      const seenAtA = receiver.requests.filter((r) => r.path === '/a').length;
      await pay({ id: 'WH-DEL-1', amount: '6.66' }).expect(200);
      const ids = await eventIdsOf('WH-DEL-1');
      // The witness endpoint (created before the payment, like /a) gets the event; /a gets nothing.
      const [w] = await receivedAll('/witness', ids, 'the event at the witness endpoint');
      expect(verifyWebhookSignature(witness.body.secret, w.signature, w.raw, 60)).toBe(true);
      expect(receiver.requests.filter((r) => r.path === '/a').length).toBe(seenAtA);
    });

    if (opts.replicas) {
      it('two payments replicas share the deliveries without sending one twice; when one stops, nothing is lost', async () => {
        replica = await startService(
          paymentsService,
          { ...env.rt, ports: { ...env.rt.ports, payments: await freePort() } },
          { rpcServer: true },
        );
        const ep = await gw()
          .post('/webhook_endpoints')
          .set(auth())
          .send({ url: `${receiver.url}/replicas` })
          .expect(201);
        const ids: string[] = [];
        for (let i = 1; i <= 6; i++) {
          await pay({ id: `WH-REP-${i}`, amount: `1.0${i}` }).expect(200);
          ids.push(...(await eventIdsOf(`WH-REP-${i}`)));
        }
        const got = await receivedAll('/replicas', ids, 'the 6 events with two replicas');
        for (const id of ids) expect(got.filter((r) => r.eventId === id).length).toBe(1);
        for (const r of got) expect(verifyWebhookSignature(ep.body.secret, r.signature, r.raw, 60)).toBe(true);

        await env.stop('payments');
        await pay({ id: 'WH-REP-7', amount: '1.07' }).expect(200);
        const last = await eventIdsOf('WH-REP-7');
        await receivedAll('/replicas', last, 'the event after the first replica stopped');
      });
    }
  });
}
