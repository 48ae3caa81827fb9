import request from 'supertest';
import { RPCS } from '@paygate/contracts';
import type { FxSettings } from '@paygate/platform';
import { RequestContext, RpcClient } from '@paygate/transport';
import type { TestEnvironment } from './environments';
import { eventually } from './eventually';
import { FAKE_RATES, startFakeFrankfurter } from './fake-frankfurter';
import { expectedConverted, expectedRate, expectedSides } from './fx-expectations';
import { readSse } from './sse-client';

type Start = (fx: Partial<FxSettings>) => Promise<TestEnvironment>;

/**
 * FX in depth, identically in both modes: the HTTP provider (a Frankfurter-compatible server on
 * loopback) first, the live feed behind it; currencies of every exponent; firm quotes through
 * payments; recorded conversions; the live stream with resume; failover; and a stale provider.
 */
export function fxSuite(name: string, start: Start): void {
  describe(`${name}: providers http → live`, () => {
    let env: TestEnvironment;
    let fake: Awaited<ReturnType<typeof startFakeFrankfurter>>;
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });
    const rate = (b: string, q: string) => expectedRate(b, q, FAKE_RATES);

    beforeAll(async () => {
      fake = await startFakeFrankfurter();
      env = await start({
        providers: ['http', 'live'],
        httpUrl: fake.url,
        httpPollMs: 100,
        httpMaxAgeMs: 3000,
        tickMs: 50,
        liveMaxAgeMs: 1000,
      });
      // The HTTP provider has polled once: its rates are the ones served.
      await eventually(
        async () => ((await request(env.urls.fx).get('/rate?base=EUR&quote=KWD')).status === 200 ? true : undefined),
        10_000,
        'the first HTTP poll',
      );
    }, 90_000);

    afterAll(async () => {
      await env?.close();
      await fake?.close();
    }, 30_000);

    it('serves the HTTP provider’s rates exactly as sent, with bid/ask around the mid', async () => {
      const res = await request(env.urls.fx).get('/rate?base=EUR&quote=KWD').expect(200);
      expect(res.body).toMatchObject({
        base: 'EUR',
        quote: 'KWD',
        rate: '0.32048',
        source: 'frankfurter',
        stale: false,
        ...expectedSides('0.32048', env.rt.fx.spreadBps),
      });
      const all = await request(env.urls.gateway).get('/rates?base=USD').set(auth()).expect(200);
      expect(all.body).toMatchObject({ base: 'USD', source: 'frankfurter', stale: false });
      expect(all.body.rates).toMatchObject({
        EUR: rate('USD', 'EUR'),
        KWD: rate('USD', 'KWD'),
        CLF: rate('USD', 'CLF'),
        JPY: rate('USD', 'JPY'),
      });
      expect(all.body.rates.USD).toBeUndefined();
    });

    it('converts into currencies of every exponent (JPY 0, IDR 2, KWD/BHD 3, CLF 4), rounding half-even once', async () => {
      const cases = [
        { from: 'USD', to: 'JPY', amount: '123.45', decimals: 0 },
        { from: 'USD', to: 'IDR', amount: '100', decimals: 2 },
        { from: 'USD', to: 'KWD', amount: '250.10', decimals: 3 },
        { from: 'EUR', to: 'BHD', amount: '99.99', decimals: 3 },
        { from: 'USD', to: 'CLF', amount: '1000', decimals: 4 },
        { from: 'JPY', to: 'KWD', amount: '15000', decimals: 3 },
        { from: 'CLF', to: 'IDR', amount: '1.2345', decimals: 2 },
      ];
      for (const c of cases) {
        const mid = rate(c.from, c.to);
        const res = await request(env.urls.fx).get('/convert').query({ from: c.from, to: c.to, amount: c.amount }).expect(200);
        expect(res.body).toMatchObject({ rate: mid, side: 'mid', converted: expectedConverted(c.amount, mid, c.decimals) });
        const ask = await request(env.urls.fx).get('/convert').query({ from: c.from, to: c.to, amount: c.amount, side: 'ask' }).expect(200);
        expect(ask.body).toMatchObject({ side: 'ask', rate: expectedSides(mid, env.rt.fx.spreadBps).ask });
      }
      const tooPrecise = await request(env.urls.fx).get('/convert').query({ from: 'KWD', to: 'USD', amount: '1.0001' }).expect(400);
      expect(tooPrecise.body.error.details[0].reason).toBe('AMOUNT_TOO_PRECISE');
      await request(env.urls.fx).get('/convert').query({ from: 'CLF', to: 'USD', amount: '1.0001' }).expect(200);
    });

    it('a cross rate and its inverse agree within the rounding of 12 significant digits', async () => {
      for (const [a, b] of [
        ['USD', 'KWD'],
        ['JPY', 'IDR'],
        ['CLF', 'BHD'],
      ]) {
        const r = (await request(env.urls.fx).get(`/rate?base=${a}&quote=${b}`).expect(200)).body.rate as string;
        const inv = (await request(env.urls.fx).get(`/rate?base=${b}&quote=${a}`).expect(200)).body.rate as string;
        expect(r).toBe(rate(a, b));
        const product = Number(r) * Number(inv); // a check of two exact strings' agreement, not money
        expect(Math.abs(product - 1)).toBeLessThan(2e-11);
      }
    });

    it('lists ISO 4217 currencies with exponents, and which ones the rates quote', async () => {
      const res = await request(env.urls.gateway).get('/currencies').set(auth()).expect(200);
      expect(res.body.has_more).toBe(false);
      const byCode = new Map((res.body.data as Array<{ code: string }>).map((c) => [c.code, c]));
      expect(byCode.size).toBeGreaterThan(150);
      expect(byCode.get('KWD')).toEqual({
        code: 'KWD',
        numeric: '414',
        exponent: 3,
        name: expect.stringContaining('Kuwaiti'),
        quoted: true,
      });
      expect(byCode.get('CLF')).toMatchObject({ exponent: 4, quoted: true });
      expect(byCode.get('JPY')).toMatchObject({ exponent: 0, quoted: true });
      expect(byCode.get('XCG')).toMatchObject({ exponent: 2, quoted: false });
    });

    it('firm quotes: idempotent creation, one payment uses it at its rate, then it is used; not applicable or expired quotes are refused and store nothing', async () => {
      const body = { from: 'GBP', to: 'USD', amount: '100.00' };
      const created = await request(env.urls.gateway)
        .post('/quotes')
        .set(auth())
        .set('Idempotency-Key', 'quote-key-1')
        .send(body)
        .expect(201);
      const q = created.body;
      expect(q).toMatchObject({
        from: 'GBP',
        to: 'USD',
        mid: rate('GBP', 'USD'),
        rate: expectedSides(rate('GBP', 'USD'), env.rt.fx.spreadBps).ask,
        status: 'open',
        used_by: null,
      });
      expect(q.converted).toBe(expectedConverted('100.00', q.rate, 2));
      const again = await request(env.urls.gateway)
        .post('/quotes')
        .set(auth())
        .set('Idempotency-Key', 'quote-key-1')
        .send(body)
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.quote_id).toBe(q.quote_id);
      const reused = await request(env.urls.gateway)
        .post('/quotes')
        .set(auth())
        .set('Idempotency-Key', 'quote-key-1')
        .send({ ...body, amount: '5.00' })
        .expect(409);
      expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

      // ACC_SRC_0001 holds no GBP: a GBP payment debits its USD, at the quote's rate.
      const payment = {
        id: 'PAY-Q-1',
        currency: 'GBP',
        amount: '100.00',
        source_account: 'ACC_SRC_0001',
        destination_account: 'ACC_DST_0001',
        quote_id: q.quote_id,
      };
      const paid = await request(env.urls.payments).post('/payments').send(payment).expect(200);
      expect(paid.body).toMatchObject({
        status: 'CAPTURED',
        debit: { currency: 'USD', amount: q.converted },
        fx: { rate: q.rate, quote_id: q.quote_id },
      });
      const replay = await request(env.urls.payments).post('/payments').send(payment).expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const other = await request(env.urls.payments)
        .post('/payments')
        .send({ ...payment, id: 'PAY-Q-2' })
        .expect(409);
      expect(other.body.error.code).toBe('QUOTE_USED');
      await request(env.urls.payments).get('/payments/PAY-Q-2').expect(404);

      // Consuming a quote is idempotent on the payment id: the conversion comes back, not "used".
      const rpc = env.apps.payments.get(RpcClient);
      const call = () =>
        RequestContext.run({ requestId: 'test', merchantId: env.merchantId, deadline: Date.now() + 5000 }, () =>
          rpc.call(RPCS.fxCreateConversion, { reference: 'PAY-Q-1', from: 'GBP', to: 'USD', amount_minor: '10000', quote_id: q.quote_id }),
        );
      const [c1, c2] = [await call(), await call()];
      expect(c1.conversion_id).toBe(paid.body.fx.conversion_id);
      expect(c2).toEqual(c1);

      // Without a quote too (the insert's conflict finds it): two at once, then a third, one conversion.
      const plain = () =>
        RequestContext.run({ requestId: 'test', merchantId: env.merchantId, deadline: Date.now() + 5000 }, () =>
          rpc.call(RPCS.fxCreateConversion, { reference: 'PAY-NQ-1', from: 'GBP', to: 'USD', amount_minor: '10000' }),
        );
      const [n1, n2] = await Promise.all([plain(), plain()]);
      expect(n2).toEqual(n1);
      expect(await plain()).toEqual(n1);

      // A quote for a conversion the payment does not make.
      const usdEur = await request(env.urls.gateway).post('/quotes').set(auth()).send({ from: 'USD', to: 'EUR' }).expect(201);
      const na = await request(env.urls.payments)
        .post('/payments')
        .send({ ...payment, id: 'PAY-Q-3', currency: 'USD', quote_id: usdEur.body.quote_id })
        .expect(422);
      expect(na.body.error.code).toBe('QUOTE_NOT_APPLICABLE');
      const pairMismatch = await request(env.urls.payments)
        .post('/payments')
        .send({ ...payment, id: 'PAY-Q-4', quote_id: usdEur.body.quote_id })
        .expect(422);
      expect(pairMismatch.body.error.code).toBe('QUOTE_NOT_APPLICABLE');
      const unknown = await request(env.urls.payments)
        .post('/payments')
        .send({ ...payment, id: 'PAY-Q-5', quote_id: 'qt_doesnotexist' })
        .expect(404);
      expect(unknown.body.error.code).toBe('QUOTE_NOT_FOUND');

      // Expiry: wait until the quote's own expires_at has passed, then use it.
      const short = await request(env.urls.gateway)
        .post('/quotes')
        .set(auth())
        .send({ from: 'GBP', to: 'USD', ttl_seconds: 1 })
        .expect(201);
      await eventually(async () => (Date.now() > Date.parse(short.body.expires_at) ? true : undefined), 5000, 'the quote to expire');
      const expired = await request(env.urls.payments)
        .post('/payments')
        .send({ ...payment, id: 'PAY-Q-6', quote_id: short.body.quote_id })
        .expect(422);
      expect(expired.body.error.code).toBe('QUOTE_EXPIRED');
      for (const id of ['PAY-Q-3', 'PAY-Q-4', 'PAY-Q-5', 'PAY-Q-6']) await request(env.urls.payments).get(`/payments/${id}`).expect(404);
      const metrics = (await request(env.urls.fx).get('/metrics')).text;
      expect(metrics).toMatch(/fx_quotes_total\{event="issued",service="fx"\} [3-9]/);
      expect(metrics).toMatch(/fx_quotes_total\{event="refused_expired",service="fx"\} 1/);
    }, 30_000);

    it('streams ticks as Server-Sent Events, and a client resuming with Last-Event-ID gets what it missed', async () => {
      const first = await readSse(`${env.urls.gateway}/rates/stream`, auth(), 3);
      expect(first.status).toBe(200);
      expect(first.contentType).toMatch(/^text\/event-stream/);
      const ids = first.events.map((e) => Number(e.id));
      expect(ids[1]).toBeGreaterThan(ids[0]);
      const tick = JSON.parse(first.events[0].data);
      expect(tick).toMatchObject({ seq: ids[0], pivot: 'EUR', source: 'frankfurter', rates: { KWD: '0.32048' } });
      expect(first.events[0].event).toBe('tick');
      // Resume from the first one: the missed ones come first, in order, without a gap.
      const resumed = await readSse(`${env.urls.gateway}/rates/stream`, { ...auth(), 'Last-Event-ID': String(ids[0]) }, 3);
      expect(resumed.events.map((e) => Number(e.id))).toEqual([ids[0] + 1, ids[0] + 2, ids[0] + 3]);
      // The fx port serves the same stream without a key; the gateway wants one.
      expect((await readSse(`${env.urls.fx}/rates/stream`, {}, 1)).events).toHaveLength(1);
      expect((await readSse(`${env.urls.gateway}/rates/stream`, {}, 1, 2000)).status).toBe(401);
    });

    // Last: it breaks the HTTP provider.
    it('fails over to the live feed when the HTTP provider fails (its circuit opens), and keeps streaming', async () => {
      fake.setMode('fail');
      const live = await eventually(
        async () => {
          const r = await request(env.urls.fx).get('/rate?base=EUR&quote=USD');
          return r.body.source === 'live-feed' ? r.body : undefined;
        },
        15_000,
        'failover to the live feed',
      );
      expect(live.stale).toBe(false);
      // The live feed is anchored on the ECB reference: it does not quote KWD.
      const kwd = await request(env.urls.fx).get('/rate?base=EUR&quote=KWD').expect(422);
      expect(kwd.body.error.code).toBe('RATE_UNAVAILABLE');
      const ticks = await readSse(`${env.urls.gateway}/rates/stream`, auth(), 2);
      expect(JSON.parse(ticks.events[1].data).source).toBe('live-feed');
      const health = await request(env.urls.fx).get('/healthz').expect(200);
      expect(health.body.details.rates.providers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'frankfurter', state: 'open' }),
          expect.objectContaining({ name: 'live-feed', active: true }),
        ]),
      );
      const metrics = (await request(env.urls.fx).get('/metrics')).text;
      expect(metrics).toMatch(/fx_provider_errors_total\{provider="frankfurter",service="fx"\} [1-9]/);
      expect(metrics).toMatch(/fx_rate\{pivot="EUR",currency="USD",service="fx"\} \d/);
    }, 30_000);
  });

  describe(`${name}: one provider, gone stale`, () => {
    let env: TestEnvironment;
    let fake: Awaited<ReturnType<typeof startFakeFrankfurter>>;

    beforeAll(async () => {
      fake = await startFakeFrankfurter();
      env = await start({ providers: ['http'], httpUrl: fake.url, httpPollMs: 100, httpMaxAgeMs: 2000 });
      await eventually(
        async () => ((await request(env.urls.fx).get('/rate?base=EUR&quote=USD')).status === 200 ? true : undefined),
        10_000,
        'the first HTTP poll',
      );
    }, 90_000);

    afterAll(async () => {
      await env?.close();
      await fake?.close();
    }, 30_000);

    it('refuses conversions on a stale rate with 503 RATE_STALE (never served), says stale on /rate, fails readiness, and stores no payment', async () => {
      const rpc = env.apps.payments.get(RpcClient);
      const convert = () =>
        RequestContext.run({ requestId: 'test', merchantId: env.merchantId, deadline: Date.now() + 5000 }, () =>
          rpc.call(RPCS.fxCreateConversion, { reference: 'PAY-STALE-0', from: 'GBP', to: 'USD', amount_minor: '10000' }),
        );
      const before = await convert();
      fake.setMode('fail');
      const refused = await eventually(
        async () => {
          const r = await request(env.urls.fx).get('/convert?from=USD&to=JPY&amount=10');
          return r.status === 503 ? r : undefined;
        },
        15_000,
        'the provider to go stale',
      );
      expect(refused.body.error.code).toBe('RATE_STALE');
      expect(refused.headers['retry-after']).toBe('1');
      const r = await request(env.urls.fx).get('/rate?base=USD&quote=JPY').expect(200);
      expect(r.body.stale).toBe(true);
      await request(env.urls.fx).get('/healthz').expect(503);
      const quote = await request(env.urls.fx).post('/quotes').send({ from: 'GBP', to: 'USD' }).expect(503);
      expect(quote.body.error.code).toBe('RATE_STALE');
      const pay = await request(env.urls.payments)
        .post('/payments')
        .send({ id: 'PAY-STALE-1', currency: 'GBP', amount: '10.00', source_account: 'ACC_SRC_0002', destination_account: 'ACC_DST_0002' })
        .expect(503);
      expect(pay.body.error.code).toBe('RATE_STALE');
      await request(env.urls.payments).get('/payments/PAY-STALE-1').expect(404);
      // A conversion recorded before is still its reference's answer (a retried payment resumes).
      expect(await convert()).toEqual(before);
      // A payment that needs no conversion is not affected.
      await request(env.urls.payments)
        .post('/payments')
        .send({ id: 'PAY-STALE-2', currency: 'USD', amount: '10.00', source_account: 'ACC_SRC_0002', destination_account: 'ACC_DST_0002' })
        .expect(200);
    }, 30_000);
  });
}
