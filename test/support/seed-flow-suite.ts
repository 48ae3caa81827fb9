import Decimal from 'decimal.js';
import request from 'supertest';
import { ECB_REFERENCE_SNAPSHOT } from '../../apps/fx/src/domain/ecb-snapshot.data';
import type { TestEnvironment } from './environments';
import { addDecimal, expectedConverted, expectedRate, expectedSides } from './fx-expectations';

interface Line {
  currency: string;
  available: string;
  ledger: string;
  held: string;
}

const SEED_PAYMENT = { id: 'PAY-001', currency: 'USD', amount: 123.45, source_account: 'ACC_SRC_ABC', destination_account: 'ACC_DST_DEF' };

/**
 * The seed's "Smoke Test Cepat" and the payment flow around it (payments → risk → fx → wallet),
 * run identically against the monolith and the microservices, on the service ports (no key, as
 * the seed's curls) and through the gateway (with the key). Exact amounts throughout.
 */
export function seedFlowSuite(name: string, start: () => Promise<TestEnvironment>): void {
  describe(name, () => {
    let env: TestEnvironment;
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });
    /** The raw body is sent as the seed's curl does: a JSON number stays a number. */
    const pay = (body: object, via: 'payments' | 'gateway' = 'payments') => {
      const r = request(env.urls[via]).post('/payments').set('Content-Type', 'application/json');
      if (via === 'gateway') r.set(auth());
      return r.send(JSON.stringify(body));
    };
    const line = async (account: string, currency: string): Promise<Line> => {
      const res = await request(env.urls.wallet).get(`/balance/${account}`).expect(200);
      const found = (res.body.balances as Line[]).find((b) => b.currency === currency);
      return found ?? { currency, available: '0.00', ledger: '0.00', held: '0.00' };
    };
    const openWallet = async (accountId: string, currency: string, amount: string) => {
      await request(env.urls.wallet)
        .post('/accounts')
        .send({ account_id: accountId, currencies: [currency] })
        .expect(201);
      await request(env.urls.wallet)
        .post(`/accounts/${accountId}/deposits`)
        .send({ currency, amount, reference: `DEP-${accountId}` })
        .expect(201);
    };

    beforeAll(async () => {
      env = await start();
    }, 90_000);

    afterAll(async () => {
      await env?.close();
    }, 30_000);

    it('PAY-001 (the seed curl) is CAPTURED: the source pays exactly 123.45 USD, the destination receives it', async () => {
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const dst0 = await line('ACC_DST_DEF', 'USD');

      const res = await pay(SEED_PAYMENT).expect(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body).toEqual({
        id: 'PAY-001',
        status: 'CAPTURED',
        currency: 'USD',
        amount: '123.45',
        source_account: 'ACC_SRC_ABC',
        destination_account: 'ACC_DST_DEF',
        debit: { currency: 'USD', amount: '123.45' },
        credit: { currency: 'USD', amount: '123.45' },
        fx: null,
        risk: { score: 5, decision: 'APPROVE', reasons: [{ code: 'NEW_DESTINATION', weight: 5, detail: expect.any(String) }] },
        failure_code: null,
        failure_message: null,
        failure_details: null,
        capture_method: 'automatic',
        amount_captured: '123.45',
        amount_refunded: '0.00',
        expires_at: null,
        metadata: {},
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });

      const src1 = await line('ACC_SRC_ABC', 'USD');
      const dst1 = await line('ACC_DST_DEF', 'USD');
      expect(src1.ledger).toBe(addDecimal(src0.ledger, '-123.45'));
      expect(src1.available).toBe(addDecimal(src0.available, '-123.45'));
      expect(dst1.ledger).toBe(addDecimal(dst0.ledger, '123.45'));

      // The repeat replays the stored answer and moves nothing.
      const again = await pay(SEED_PAYMENT).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(res.body);
      expect(await line('ACC_SRC_ABC', 'USD')).toEqual(src1);
      expect(await line('ACC_DST_DEF', 'USD')).toEqual(dst1);

      const stored = await request(env.urls.payments).get('/payments/PAY-001').expect(200);
      expect(stored.body).toEqual(res.body);
    });

    it('the same flow through the gateway with the API key (and 401 without it)', async () => {
      const body = { ...SEED_PAYMENT, id: 'PAY-GW-001', amount: '10.05' };
      await request(env.urls.gateway).post('/payments').send(body).expect(401);
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const res = await pay(body, 'gateway').expect(200);
      expect(res.body).toMatchObject({ id: 'PAY-GW-001', status: 'CAPTURED', debit: { currency: 'USD', amount: '10.05' } });
      expect((await line('ACC_SRC_ABC', 'USD')).ledger).toBe(addDecimal(src0.ledger, '-10.05'));
      const replay = await pay(body, 'gateway').expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const viaGateway = await request(env.urls.gateway).get('/payments/PAY-GW-001').set(auth()).expect(200);
      expect(viaGateway.body).toEqual(res.body);
    });

    it('a currency the source does not hold is debited from its default currency, converted once at the published ask', async () => {
      const mid = expectedRate('IDR', 'USD');
      const { ask } = expectedSides(mid, env.rt.fx.spreadBps);
      const debit = expectedConverted('1500000.00', ask, 2);
      const atMid = expectedConverted('1500000.00', mid, 2);
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const dst0 = await line('ACC_DST_DEF', 'IDR');

      const res = await pay({ ...SEED_PAYMENT, id: 'PAY-FX-001', currency: 'IDR', amount: '1500000.00' }).expect(200);
      expect(res.body).toMatchObject({
        status: 'CAPTURED',
        amount: '1500000.00',
        debit: { currency: 'USD', amount: debit },
        credit: { currency: 'IDR', amount: '1500000.00' },
        fx: { rate: ask, quote_id: null, conversion_id: expect.stringMatching(/^cnv_/), as_of: ECB_REFERENCE_SNAPSHOT.asOf },
      });
      expect((await line('ACC_SRC_ABC', 'USD')).ledger).toBe(addDecimal(src0.ledger, `-${debit}`));
      expect((await line('ACC_DST_DEF', 'IDR')).ledger).toBe(addDecimal(dst0.ledger, '1500000.00'));
      // The source never held IDR and still does not.
      expect((await request(env.urls.wallet).get('/balance/ACC_SRC_ABC')).body.balances.map((b: Line) => b.currency)).toEqual([
        'EUR',
        'USD',
      ]);

      // The conversion is recorded with what recomputes it exactly: pivot legs → mid → ask → amounts.
      const conv = await request(env.urls.gateway).get(`/conversions/${res.body.fx.conversion_id}`).set(auth()).expect(200);
      expect(conv.body).toMatchObject({
        reference: 'PAY-FX-001',
        from: 'IDR',
        to: 'USD',
        amount: '1500000.00',
        converted: debit,
        converted_at_mid: atMid,
        revenue: addDecimal(debit, `-${atMid}`),
        rate: ask,
        mid,
        side: 'ask',
        spread_bps: env.rt.fx.spreadBps,
        pivot: 'EUR',
        pivot_rates: { IDR: ECB_REFERENCE_SNAPSHOT.rates.IDR, USD: ECB_REFERENCE_SNAPSHOT.rates.USD },
      });
      const fromLegs = new Decimal(conv.body.pivot_rates.USD)
        .div(conv.body.pivot_rates.IDR)
        .toSignificantDigits(12, Decimal.ROUND_HALF_EVEN)
        .toFixed();
      expect(fromLegs).toBe(conv.body.mid);
      expect(expectedSides(conv.body.mid, conv.body.spread_bps).ask).toBe(conv.body.rate);
      expect(expectedConverted(conv.body.amount, conv.body.rate, 2)).toBe(conv.body.converted);
    });

    it('risk REVIEW → 202 PENDING: the funds are held, not moved', async () => {
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const res = await pay({ ...SEED_PAYMENT, id: 'PAY-REVIEW-001', amount: '6000.00' }).expect(202);
      expect(res.body).toMatchObject({
        status: 'PENDING',
        debit: { currency: 'USD', amount: '6000.00' },
        risk: { score: 50, decision: 'REVIEW', reasons: [{ code: 'HIGH_AMOUNT', weight: 50, detail: expect.any(String) }] },
        failure_code: null,
      });
      const src1 = await line('ACC_SRC_ABC', 'USD');
      expect(src1.ledger).toBe(src0.ledger);
      expect(src1.held).toBe(addDecimal(src0.held, '6000.00'));
      expect(src1.available).toBe(addDecimal(src0.available, '-6000.00'));
      const replay = await pay({ ...SEED_PAYMENT, id: 'PAY-REVIEW-001', amount: '6000.00' }).expect(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(await line('ACC_SRC_ABC', 'USD')).toEqual(src1);
    });

    it('risk DECLINE → 400 FAILED RISK_DECLINED: nothing moves', async () => {
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const res = await pay({ ...SEED_PAYMENT, id: 'PAY-DECLINE-001', amount: '30000.00' }).expect(400);
      expect(res.body).toMatchObject({
        id: 'PAY-DECLINE-001',
        status: 'FAILED',
        failure_code: 'RISK_DECLINED',
        debit: null,
        credit: null,
        risk: { score: 90, decision: 'DECLINE' },
      });
      expect(res.body.risk.reasons.map((r: { code: string }) => r.code)).toEqual(['HIGH_AMOUNT', 'VERY_HIGH_AMOUNT']);
      expect(await line('ACC_SRC_ABC', 'USD')).toEqual(src0);
      const replay = await pay({ ...SEED_PAYMENT, id: 'PAY-DECLINE-001', amount: '30000.00' }).expect(400);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(res.body);
    });

    it('an unknown account → 400 FAILED ACCOUNT_NOT_FOUND', async () => {
      const res = await pay({ ...SEED_PAYMENT, id: 'PAY-NOACC-001', source_account: 'ACC_NOPE' }).expect(400);
      expect(res.body).toMatchObject({
        status: 'FAILED',
        failure_code: 'ACCOUNT_NOT_FOUND',
        failure_message: 'No account ACC_NOPE',
        risk: null,
      });
      const dst = await pay({ ...SEED_PAYMENT, id: 'PAY-NOACC-002', destination_account: 'ACC_NOPE' }, 'gateway').expect(400);
      expect(dst.body.failure_code).toBe('ACCOUNT_NOT_FOUND');
    });

    it('an overdraw → 400 FAILED INSUFFICIENT_FUNDS with available and required; balances unchanged', async () => {
      await openWallet('ACC_E2E_LOW', 'USD', '100.00');
      const dst0 = await line('ACC_DST_DEF', 'USD');
      const res = await pay({ ...SEED_PAYMENT, id: 'PAY-OVER-001', amount: '100.01', source_account: 'ACC_E2E_LOW' }).expect(400);
      expect(res.body).toMatchObject({
        status: 'FAILED',
        failure_code: 'INSUFFICIENT_FUNDS',
        failure_details: { currency: 'USD', available: '100.00', required: '100.01' },
        debit: null,
      });
      expect(await line('ACC_E2E_LOW', 'USD')).toEqual({ currency: 'USD', available: '100.00', ledger: '100.00', held: '0.00' });
      expect(await line('ACC_DST_DEF', 'USD')).toEqual(dst0);
      // Exactly the balance goes through.
      await pay({ ...SEED_PAYMENT, id: 'PAY-OVER-002', amount: '100.00', source_account: 'ACC_E2E_LOW' }).expect(200);
      expect((await line('ACC_E2E_LOW', 'USD')).ledger).toBe('0.00');
    });

    it('accounts and deposits: create, read, fund, replay a deposit, refuse a reused reference', async () => {
      const created = await request(env.urls.gateway)
        .post('/accounts')
        .set(auth())
        .send({ account_id: 'ACC_E2E_NEW', currencies: ['EUR', 'JPY'], default_currency: 'JPY' })
        .expect(201);
      expect(created.body).toMatchObject({
        account_id: 'ACC_E2E_NEW',
        status: 'active',
        default_currency: 'JPY',
        currencies: ['EUR', 'JPY'],
      });
      await request(env.urls.wallet)
        .post('/accounts')
        .send({ account_id: 'ACC_E2E_NEW', currencies: ['EUR'] })
        .expect(409);
      const dep = { currency: 'JPY', amount: 5000, reference: 'DEP-NEW-1' };
      const first = await request(env.urls.wallet)
        .post('/accounts/ACC_E2E_NEW/deposits')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(dep))
        .expect(201);
      expect(first.body).toMatchObject({
        account_id: 'ACC_E2E_NEW',
        currency: 'JPY',
        amount: '5000',
        balance: { ledger: '5000', available: '5000' },
      });
      const again = await request(env.urls.wallet).post('/accounts/ACC_E2E_NEW/deposits').send(dep).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.deposit_id).toBe(first.body.deposit_id);
      const reused = await request(env.urls.wallet)
        .post('/accounts/ACC_E2E_NEW/deposits')
        .send({ ...dep, amount: '5001' })
        .expect(409);
      expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await line('ACC_E2E_NEW', 'JPY')).toEqual({ currency: 'JPY', available: '5000', ledger: '5000', held: '0' });
      const bad = await request(env.urls.wallet)
        .post('/accounts/ACC_E2E_NEW/deposits')
        .send({ ...dep, amount: '1.5', reference: 'DEP-NEW-2' })
        .expect(400);
      expect(bad.body.error.details[0]).toMatchObject({ field: 'amount', reason: 'AMOUNT_TOO_PRECISE' });
      await request(env.urls.wallet)
        .post('/accounts/ACC_NOPE/deposits')
        .send({ ...dep, reference: 'DEP-NEW-3' })
        .expect(404);
    });

    it('bad input → 400 with the reason, and no trace of the payment', async () => {
      const bad: Array<[object, string, string]> = [
        [{ ...SEED_PAYMENT, id: 'PAY-BAD-1', amount: '123.456' }, 'amount', 'AMOUNT_TOO_PRECISE'],
        [{ ...SEED_PAYMENT, id: 'PAY-BAD-2', amount: 0 }, 'amount', 'AMOUNT_NOT_POSITIVE'],
        [{ ...SEED_PAYMENT, id: 'PAY-BAD-3', currency: 'XYZ' }, 'currency', 'isCurrencyCode'],
        [{ ...SEED_PAYMENT, id: 'PAY-BAD-4', destination_account: 'ACC_SRC_ABC' }, 'destination_account', 'SAME_ACCOUNT'],
        [{ ...SEED_PAYMENT, id: 'PAY-BAD-5', extra: 1 }, 'extra', 'whitelistValidation'],
        [{ ...SEED_PAYMENT, id: 'PAY-BAD-6', metadata: { k: { nested: true } } }, 'metadata', 'isMetadata'],
      ];
      for (const [body, field, reason] of bad) {
        const res = await pay(body).expect(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field, reason })]));
        await request(env.urls.payments)
          .get(`/payments/${(body as { id: string }).id}`)
          .expect(404);
      }
      // A raw body: JavaScript itself would round this number to 123.45 before sending it.
      const raw =
        '{"id":"PAY-BAD-7","currency":"USD","amount":123.4500000000000001,"source_account":"ACC_SRC_ABC","destination_account":"ACC_DST_DEF"}';
      const exact = await request(env.urls.payments).post('/payments').set('Content-Type', 'application/json').send(raw).expect(400);
      expect(exact.body.error.details[0].reason).toBe('AMOUNT_TOO_PRECISE');
      const missing = await request(env.urls.payments).get('/payments/PAY-NEVER').expect(404);
      expect(missing.body.error.code).toBe('PAYMENT_NOT_FOUND');
    });

    it('the same id with another body → 409 IDEMPOTENCY_KEY_REUSED; another key for a used id → 409 PAYMENT_ID_EXISTS', async () => {
      const reused = await pay({ ...SEED_PAYMENT, amount: 1 }).expect(409);
      expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const exists = await request(env.urls.payments)
        .post('/payments')
        .set('Idempotency-Key', 'other-key-1')
        .send(SEED_PAYMENT)
        .expect(409);
      expect(exists.body.error.code).toBe('PAYMENT_ID_EXISTS');
      // The same body spelled differently (number vs string, metadata order) is the same request.
      const spelled = await pay({ ...SEED_PAYMENT, amount: '123.45' }).expect(200);
      expect(spelled.headers['idempotent-replayed']).toBe('true');
    });

    it('concurrent payments never overdraw, and a burst of one payment applies it once', async () => {
      await openWallet('ACC_E2E_CONC', 'USD', '100.00');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pay({ ...SEED_PAYMENT, id: `PAY-CONC-${i}`, amount: '10.00', source_account: 'ACC_E2E_CONC' }),
        ),
      );
      const statuses = results.map((r) => r.body.status as string);
      expect(statuses.filter((s) => s === 'CAPTURED')).toHaveLength(10);
      expect(results.filter((r) => r.status === 400 && r.body.failure_code === 'INSUFFICIENT_FUNDS')).toHaveLength(10);
      expect(await line('ACC_E2E_CONC', 'USD')).toEqual({ currency: 'USD', available: '0.00', ledger: '0.00', held: '0.00' });

      await openWallet('ACC_E2E_DUP', 'USD', '50.00');
      const dup = { ...SEED_PAYMENT, id: 'PAY-DUP-1', amount: '10.00', source_account: 'ACC_E2E_DUP' };
      const burst = await Promise.all(Array.from({ length: 8 }, () => pay(dup)));
      for (const r of burst) {
        if (r.status === 409) expect(r.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
        else expect(r.body).toMatchObject({ id: 'PAY-DUP-1', status: 'CAPTURED' });
      }
      expect(burst.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect((await line('ACC_E2E_DUP', 'USD')).ledger).toBe('40.00');
    }, 60_000);

    it('the seed curls answer the documented JSON: /rate, /convert, /balance/ACC_001, /score', async () => {
      const rate = await request(env.urls.fx).get('/rate?base=USD&quote=IDR').expect(200);
      expect(rate.body).toMatchObject({ base: 'USD', quote: 'IDR', rate: expectedRate('USD', 'IDR'), stale: false });
      const convert = await request(env.urls.fx).get('/convert?from=USD&to=IDR&amount=1').expect(200);
      expect(convert.body).toMatchObject({
        from: 'USD',
        to: 'IDR',
        amount: '1.00',
        converted: expectedConverted('1', expectedRate('USD', 'IDR'), 2),
      });
      const balance = await request(env.urls.wallet).get('/balance/ACC_001').expect(200);
      expect(balance.body).toMatchObject({ account_id: 'ACC_001', default_currency: 'USD' });
      const score = await request(env.urls.risk)
        .post('/score')
        .set('Content-Type', 'application/json')
        .send('{"account":"ACC_001","amount":999.99,"currency":"USD"}')
        .expect(200);
      expect(score.body).toEqual({ score: 0, decision: 'APPROVE', reasons: [], rules_version: '2026-11-26.1' });
      const viaGateway = await request(env.urls.gateway)
        .post('/score')
        .set(auth())
        .send({ account: 'ACC_001', amount: '30000.00', currency: 'USD', destination: 'ACC_BLOCKED_001' })
        .expect(200);
      expect(viaGateway.body).toMatchObject({ score: 100, decision: 'DECLINE' });
      expect(viaGateway.body.reasons.map((r: { code: string }) => r.code)).toContain('BLOCKED_DESTINATION');
    });

    it('the demo ranges exist: ACC_SRC_0000…9999 and ACC_DST_0000…9999, funded', async () => {
      for (const id of ['ACC_SRC_0000', 'ACC_SRC_5081', 'ACC_SRC_9999']) {
        const res = await request(env.urls.wallet).get(`/balance/${id}`).expect(200);
        expect(res.body.default_currency).toBe('USD');
        expect(res.body.balances.map((b: Line) => b.currency)).toEqual(['EUR', 'IDR', 'JPY', 'SGD', 'USD']);
      }
      const dst = await request(env.urls.wallet).get('/balance/ACC_DST_1228').expect(200);
      expect(dst.body.default_currency).toBe('IDR');
      await request(env.urls.wallet).get('/balance/ACC_SRC_10000').expect(404);
      // The seed generator's sample line pays through.
      await pay({
        id: 'PAY-000001',
        currency: 'IDR',
        amount: 188.52,
        source_account: 'ACC_SRC_5081',
        destination_account: 'ACC_DST_1228',
      }).expect(200);
    });

    // Last: it stops a service.
    it('a dependency down → 503 with Retry-After, nothing stored, and a retry runs again', async () => {
      await env.stop('risk');
      const src0 = await line('ACC_SRC_ABC', 'USD');
      const body = { ...SEED_PAYMENT, id: 'PAY-OUTAGE-001' };
      const res = await pay(body).expect(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('1');
      await request(env.urls.payments).get('/payments/PAY-OUTAGE-001').expect(404);
      expect(await line('ACC_SRC_ABC', 'USD')).toEqual(src0);
      // Not "in progress", not replayed: the retry runs the payment again (and meets the outage again).
      const retry = await pay(body, 'gateway').expect(503);
      expect(retry.body.error.code).toBe('SERVICE_UNAVAILABLE');
      // After 5 outage failures in a row the circuit to risk opens: calls fail at once.
      for (let i = 0; i < 3; i++) await pay({ ...body, id: `PAY-OUTAGE-00${i + 2}` }).expect(503);
      const open = await pay({ ...body, id: 'PAY-OUTAGE-009' }).expect(503);
      expect(open.body.error.message).toMatch(/circuit is open/);
      const metrics = (await request(env.urls.payments).get('/metrics')).text;
      expect(metrics).toMatch(/payments_dependency_circuit_open\{dependency="risk",service="payments"\} 1/);
    });
  });
}
