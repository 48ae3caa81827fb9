import request from 'supertest';
import { connect } from 'nats';
import { DATABASE, DatabaseHandle } from '@paygate/database';
import { reconcile } from '../../apps/cli/src/reconcile/reconcile';
import { verifyLedger } from '../../apps/wallet/src/persistence/ledger-verify';
import type { EnvironmentOptions, TestEnvironment } from './environments';
import { eventually } from './eventually';
import { addDecimal } from './fx-expectations';

interface Line {
  currency: string;
  available: string;
  ledger: string;
  held: string;
}

/**
 * The payment lifecycle through the gateway, identically in both modes: authorize and capture
 * (partly) or cancel, review, refund (partial, full, at the original rate), idempotency of the
 * follow-up POSTs under concurrency, expiry of an authorization, listing.
 */
export function lifecycleSuite(name: string, start: (o: EnvironmentOptions) => Promise<TestEnvironment>): void {
  describe(name, () => {
    let env: TestEnvironment;
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });
    const gw = () => request(env.urls.gateway);
    const line = async (account: string, currency: string): Promise<Line> => {
      const res = await request(env.urls.wallet).get(`/balance/${account}`).expect(200);
      return (
        (res.body.balances as Line[]).find((b) => b.currency === currency) ?? { currency, available: '0.00', ledger: '0.00', held: '0.00' }
      );
    };
    const pay = (body: Record<string, unknown>) =>
      gw()
        .post('/payments')
        .set(auth())
        .send({ currency: 'USD', source_account: 'ACC_SRC_0100', destination_account: 'ACC_DST_0100', ...body });

    beforeAll(async () => {
      env = await start({ payments: { authorizationTtlMs: 60_000, reviewTimeoutMs: 60_000 } });
    }, 90_000);
    afterAll(() => env?.close(), 30_000);

    it('capture=false authorizes (funds on hold); a partial capture moves exactly that and releases the rest; replayed with its key', async () => {
      const src0 = await line('ACC_SRC_0100', 'USD');
      const auth1 = await pay({ id: 'LC-AUTH-1', amount: '100.00', capture: false }).expect(200);
      expect(auth1.body).toMatchObject({
        status: 'AUTHORIZED',
        capture_method: 'manual',
        amount_captured: null,
        expires_at: expect.any(String),
      });
      const held = await line('ACC_SRC_0100', 'USD');
      expect(held.held).toBe(addDecimal(src0.held, '100.00'));
      expect(held.ledger).toBe(src0.ledger);

      const cap = await gw()
        .post('/payments/LC-AUTH-1/capture')
        .set(auth())
        .set('Idempotency-Key', 'cap-1')
        .send({ amount: '60.00' })
        .expect(200);
      expect(cap.body).toMatchObject({
        status: 'CAPTURED',
        amount_captured: '60.00',
        debit: { currency: 'USD', amount: '60.00' },
        credit: { amount: '60.00' },
        expires_at: null,
      });
      const after = await line('ACC_SRC_0100', 'USD');
      expect(after).toEqual({ ...src0, ledger: addDecimal(src0.ledger, '-60.00'), available: addDecimal(src0.available, '-60.00') });

      const replay = await gw()
        .post('/payments/LC-AUTH-1/capture')
        .set(auth())
        .set('Idempotency-Key', 'cap-1')
        .send({ amount: '60.00' })
        .expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(cap.body);
      const other = await gw()
        .post('/payments/LC-AUTH-1/capture')
        .set(auth())
        .set('Idempotency-Key', 'cap-1')
        .send({ amount: '10.00' })
        .expect(409);
      expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const again = await gw().post('/payments/LC-AUTH-1/capture').set(auth()).send({}).expect(409);
      expect(again.body.error.code).toBe('INVALID_PAYMENT_STATE');
      expect(await line('ACC_SRC_0100', 'USD')).toEqual(after);

      await pay({ id: 'LC-AUTH-2', amount: '5.00', capture: false }).expect(200);
      const tooMuch = await gw().post('/payments/LC-AUTH-2/capture').set(auth()).send({ amount: '5.01' }).expect(422);
      expect(tooMuch.body.error.code).toBe('AMOUNT_EXCEEDS_AUTHORIZED');
      const bad = await gw().post('/payments/LC-AUTH-2/capture').set(auth()).send({ amount: '1.001' }).expect(400);
      expect(bad.body.error.details[0]).toMatchObject({ field: 'amount', reason: 'AMOUNT_TOO_PRECISE' });
    });

    it('cancel releases an authorization; a canceled payment cannot be captured', async () => {
      const src0 = await line('ACC_SRC_0101', 'USD');
      await pay({ id: 'LC-CANCEL-1', amount: '40.00', capture: false, source_account: 'ACC_SRC_0101' }).expect(200);
      const c = await gw().post('/payments/LC-CANCEL-1/cancel').set(auth()).send({}).expect(200);
      expect(c.body.status).toBe('CANCELED');
      expect(await line('ACC_SRC_0101', 'USD')).toEqual(src0);
      const cap = await gw().post('/payments/LC-CANCEL-1/capture').set(auth()).send({}).expect(409);
      expect(cap.body.error.code).toBe('INVALID_PAYMENT_STATE');
    });

    it('review: approve captures a PENDING payment, decline fails it and releases the hold', async () => {
      const src0 = await line('ACC_SRC_0102', 'USD');
      const other0 = await line('ACC_SRC_0106', 'USD');
      await pay({ id: 'LC-REVIEW-1', amount: '6000.00', source_account: 'ACC_SRC_0102' }).expect(202);
      await pay({ id: 'LC-REVIEW-2', amount: '7000.00', source_account: 'ACC_SRC_0106' }).expect(202);
      expect((await line('ACC_SRC_0102', 'USD')).held).toBe(addDecimal(src0.held, '6000.00'));
      expect((await line('ACC_SRC_0106', 'USD')).held).toBe(addDecimal(other0.held, '7000.00'));
      const ok = await gw().post('/payments/LC-REVIEW-1/review').set(auth()).send({ action: 'approve', reason: 'verified' }).expect(200);
      expect(ok.body).toMatchObject({ status: 'CAPTURED', amount_captured: '6000.00' });
      const no = await gw().post('/payments/LC-REVIEW-2/review').set(auth()).send({ action: 'decline' }).expect(200);
      expect(no.body).toMatchObject({ status: 'FAILED', failure_code: 'RISK_DECLINED' });
      expect(await line('ACC_SRC_0102', 'USD')).toEqual({
        ...src0,
        ledger: addDecimal(src0.ledger, '-6000.00'),
        available: addDecimal(src0.available, '-6000.00'),
      });
      await gw().post('/payments/LC-REVIEW-1/review').set(auth()).send({ action: 'decline' }).expect(409);
      await gw().post('/payments/LC-REVIEW-1/review').set(auth()).send({ action: 'maybe' }).expect(400);
    });

    it('refunds: partial then the rest, at the original rate, each applied once even when sent twice at the same time', async () => {
      const src0 = await line('ACC_SRC_0103', 'USD');
      const dst0 = await line('ACC_DST_0103', 'USD');
      await pay({ id: 'LC-REFUND-1', amount: '100.00', source_account: 'ACC_SRC_0103', destination_account: 'ACC_DST_0103' }).expect(200);
      const send = (key: string, amount?: string) =>
        gw()
          .post('/payments/LC-REFUND-1/refund')
          .set(auth())
          .set('Idempotency-Key', key)
          .send(amount ? { amount } : {});
      // Two partial refunds, each sent twice at once: refunded exactly twice.
      const results = await Promise.all([send('rf-a', '30.00'), send('rf-a', '30.00'), send('rf-b', '20.00'), send('rf-b', '20.00')]);
      for (const r of results) expect([201, 409]).toContain(r.status);
      const created = new Set(results.filter((r) => r.status === 201).map((r) => r.body.refund_id));
      expect(created.size).toBe(2);
      const retry = await send('rf-a', '30.00').expect(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      const p1 = await gw().get('/payments/LC-REFUND-1').set(auth()).expect(200);
      expect(p1.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', amount_refunded: '50.00' });
      const over = await send('rf-c', '50.01').expect(422);
      expect(over.body.error.code).toBe('REFUND_EXCEEDS_CAPTURED');
      const rest = await send('rf-d').expect(201);
      expect(rest.body).toMatchObject({ amount: '50.00', status: 'succeeded', debit_back: { currency: 'USD', amount: '50.00' } });
      expect((await gw().get('/payments/LC-REFUND-1').set(auth()).expect(200)).body).toMatchObject({
        status: 'REFUNDED',
        amount_refunded: '100.00',
      });
      const list = await gw().get('/payments/LC-REFUND-1/refunds').set(auth()).expect(200);
      expect(list.body.data.filter((r: { status: string }) => r.status === 'succeeded').map((r: { amount: string }) => r.amount)).toEqual(
        expect.arrayContaining(['30.00', '20.00', '50.00']),
      );
      expect(await line('ACC_SRC_0103', 'USD')).toEqual(src0);
      expect(await line('ACC_DST_0103', 'USD')).toEqual(dst0);
      await send('rf-e', '1.00').expect(409);
    });

    it('a cross-currency refund gives back the debit currency at the original rate (no new conversion)', async () => {
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const paid = await pay({
        id: 'LC-REFUND-FX',
        currency: 'GBP',
        amount: '80.00',
        source_account: 'ACC_SRC_ABC',
        destination_account: 'ACC_DST_0104',
      }).expect(200);
      const debit = paid.body.debit.amount as string;
      const half = await gw().post('/payments/LC-REFUND-FX/refund').set(auth()).send({ amount: '40.00' }).expect(201);
      const rest = await gw().post('/payments/LC-REFUND-FX/refund').set(auth()).send({}).expect(201);
      expect(addDecimal(half.body.debit_back.amount, rest.body.debit_back.amount)).toBe(debit);
      expect((await line('ACC_SRC_ABC', 'USD')).ledger).toBe(src0.ledger);
    });

    it('50 parallel refunds under one key: one refund, the rest replay or are told it is in progress', async () => {
      await pay({ id: 'LC-PAR-1', amount: '10.00', source_account: 'ACC_SRC_0105', destination_account: 'ACC_DST_0105' }).expect(200);
      const src0 = await line('ACC_SRC_0105', 'USD');
      const all = await Promise.all(
        Array.from({ length: 50 }, () =>
          gw().post('/payments/LC-PAR-1/refund').set(auth()).set('Idempotency-Key', 'par-1').send({ amount: '1.00' }),
        ),
      );
      for (const r of all) {
        if (r.status === 409) expect(r.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
        else expect(r.status).toBe(201);
      }
      expect(new Set(all.filter((r) => r.status === 201).map((r) => r.body.refund_id)).size).toBe(1);
      expect((await line('ACC_SRC_0105', 'USD')).ledger).toBe(addDecimal(src0.ledger, '1.00'));
    });

    it('lists payments of an account, newest first, a page at a time', async () => {
      const first = await gw().get('/payments?account=ACC_SRC_0100&limit=1').set(auth()).expect(200);
      expect(first.body.data.map((p: { id: string }) => p.id)).toEqual(['LC-AUTH-2']);
      expect(first.body.has_more).toBe(true);
      const second = await gw()
        .get(`/payments?account=ACC_SRC_0100&limit=5&starting_after=${first.body.next_cursor}`)
        .set(auth())
        .expect(200);
      expect(second.body.data.map((p: { id: string }) => p.id)).toEqual(['LC-AUTH-1']);
      expect(second.body.has_more).toBe(false);
      await gw().get('/payments?starting_after=garbage').set(auth()).expect(400);
    });

    it('every transition is an event, relayed from the outbox (JetStream between services) and listed by GET /events', async () => {
      const list = async () =>
        (await gw().get('/events?payment_id=LC-REFUND-1').set(auth()).expect(200)).body.data as Array<Record<string, string | null>>;
      expect((await list()).map((e) => e.to_status).reverse()).toEqual([
        'CAPTURED',
        'PARTIALLY_REFUNDED',
        'PARTIALLY_REFUNDED',
        'REFUNDED',
      ]);
      const published = await eventually(
        async () => {
          const events = await list();
          return events.every((e) => e.published_at) ? events : undefined;
        },
        10_000,
        'the outbox relay',
      );
      expect(published[0]).toMatchObject({ type: 'payment.refunded', payment_id: 'LC-REFUND-1', id: expect.stringMatching(/^evt_\d+$/) });
      const page = await gw().get('/events?limit=2').set(auth()).expect(200);
      expect(page.body.has_more).toBe(true);
      const next = await gw().get(`/events?limit=2&starting_after=${page.body.next_cursor}`).set(auth()).expect(200);
      expect(Number(next.body.data[0].id.slice(4))).toBeLessThan(Number(page.body.data[1].id.slice(4)));
      if (env.mode === 'microservices') {
        const nc = await connect({ servers: env.rt.transport.natsUrl });
        try {
          const info = await (await nc.jetstreamManager()).streams.info('PAYMENTS');
          expect(info.config.subjects).toEqual(['payments.payment.>']);
          expect(info.state.messages).toBeGreaterThanOrEqual(4);
        } finally {
          await nc.close();
        }
      }
    });

    // Last: reads the whole database.
    it('payments:reconcile finds payments and the wallet ledger in agreement, and ledger:verify is clean', async () => {
      const db = env.apps.payments.get<symbol, DatabaseHandle>(DATABASE).db;
      const report = await reconcile(db);
      expect(report.mismatches).toEqual([]);
      expect(report.checked.capture_journals).toBeGreaterThan(3);
      const ledger = await verifyLedger(env.apps.wallet.get<symbol, DatabaseHandle>(DATABASE).db);
      expect(ledger.violations).toEqual([]);
    });
  });

  describe(`${name}: an authorization that lapses`, () => {
    let env: TestEnvironment;
    beforeAll(async () => {
      env = await start({ payments: { authorizationTtlMs: 1500, reviewTimeoutMs: 1500 } });
    }, 90_000);
    afterAll(() => env?.close(), 30_000);

    it('is canceled by the sweep and its hold released; a review that times out is declined', async () => {
      const before = (await request(env.urls.wallet).get('/balance/ACC_SRC_0200').expect(200)).body;
      await request(env.urls.payments)
        .post('/payments')
        .send({
          id: 'LC-EXP-1',
          currency: 'USD',
          amount: '25.00',
          source_account: 'ACC_SRC_0200',
          destination_account: 'ACC_DST_0200',
          capture: false,
        })
        .expect(200);
      await request(env.urls.payments)
        .post('/payments')
        .send({ id: 'LC-EXP-2', currency: 'USD', amount: '6000.00', source_account: 'ACC_SRC_0200', destination_account: 'ACC_DST_0200' })
        .expect(202);
      const canceled = await eventually(
        async () => {
          const r = await request(env.urls.payments).get('/payments/LC-EXP-1');
          return r.body.status === 'CANCELED' ? r.body : undefined;
        },
        15_000,
        'the authorization to lapse',
      );
      expect(canceled.expires_at).toBeNull();
      await eventually(
        async () => ((await request(env.urls.payments).get('/payments/LC-EXP-2')).body.status === 'FAILED' ? true : undefined),
        15_000,
        'the review to time out',
      );
      expect((await request(env.urls.wallet).get('/balance/ACC_SRC_0200').expect(200)).body.balances).toEqual(before.balances);
    }, 30_000);
  });
}
