import request from 'supertest';
import { SERVICES } from '@paygate/contracts';
import { ECB_REFERENCE_SNAPSHOT } from '../../apps/fx/src/domain/ecb-snapshot.data';
import type { TestEnvironment } from './environments';
import { expectedConverted, expectedRate, expectedSides } from './fx-expectations';

/** Counts series per `service` label in a Prometheus text exposition. */
function serviceLabels(metrics: string): Set<string> {
  return new Set([...metrics.matchAll(/service="([^"]+)"/g)].map((m) => m[1]));
}

/**
 * The skeleton's vertical slice, run identically against the monolith and the microservices:
 * each service on its own port (no key) and through the gateway (with the demo key).
 */
export function sliceSuite(name: string, start: () => Promise<TestEnvironment>): void {
  describe(name, () => {
    let env: TestEnvironment;
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });

    beforeAll(async () => {
      env = await start();
    }, 60_000);

    afterAll(async () => {
      await env?.close();
    }, 30_000);

    it('answers /healthz (database and transport up) and /livez on every port', async () => {
      for (const s of SERVICES) {
        const ready = await request(env.urls[s]).get('/healthz').expect(200);
        expect(ready.body.status).toBe('ok');
        expect(ready.body.details.database.status).toBe('up');
        expect(ready.body.details.transport).toMatchObject({ status: 'up', mode: env.rt.transport.mode });
        await request(env.urls[s]).get('/livez').expect(200, { status: 'ok' });
      }
    });

    it('GET /rate gives the exact EUR cross rate, on fx and through the gateway', async () => {
      const rate = expectedRate('USD', 'IDR');
      const want = {
        base: 'USD',
        quote: 'IDR',
        rate,
        ...expectedSides(rate, env.rt.fx.spreadBps),
        source: 'ecb-reference',
        stale: false,
        as_of: ECB_REFERENCE_SNAPSHOT.asOf,
      };
      const direct = await request(env.urls.fx).get('/rate').query({ base: 'USD', quote: 'IDR' }).expect(200);
      expect(direct.body).toEqual(want);
      const viaGateway = await request(env.urls.gateway).get('/rate').query({ base: 'USD', quote: 'IDR' }).set(auth()).expect(200);
      expect(viaGateway.body).toEqual(want);
      const jpyGbp = await request(env.urls.fx).get('/rate').query({ base: 'JPY', quote: 'GBP' }).expect(200);
      expect(jpyGbp.body.rate).toBe(expectedRate('JPY', 'GBP'));
      const eur = await request(env.urls.fx).get('/rate').query({ base: 'EUR', quote: 'USD' }).expect(200);
      expect(eur.body.rate).toBe('1.0389');
    });

    it('GET /convert rounds amount × rate half-even once, in the target currency', async () => {
      const cases = [
        { from: 'USD', to: 'IDR', amount: '100', decimals: 2, shown: '100.00' },
        { from: 'USD', to: 'JPY', amount: '123.45', decimals: 0, shown: '123.45' },
        { from: 'JPY', to: 'USD', amount: '1', decimals: 2, shown: '1' },
        { from: 'GBP', to: 'EUR', amount: '0.01', decimals: 2, shown: '0.01' },
      ];
      for (const c of cases) {
        const rate = expectedRate(c.from, c.to);
        const res = await request(env.urls.gateway)
          .get('/convert')
          .query({ from: c.from, to: c.to, amount: c.amount })
          .set(auth())
          .expect(200);
        expect(res.body).toEqual({
          from: c.from,
          to: c.to,
          amount: c.shown,
          converted: expectedConverted(c.amount, rate, c.decimals),
          rate,
          side: 'mid',
          as_of: ECB_REFERENCE_SNAPSHOT.asOf,
        });
      }
    });

    it('GET /balance/{id} reads the wallet tables, on wallet and through the gateway', async () => {
      const want = {
        account_id: 'ACC_001',
        default_currency: 'USD',
        balances: [
          { currency: 'IDR', available: '150000000.00', ledger: '150000000.00', held: '0.00' },
          { currency: 'USD', available: '10000.00', ledger: '10000.00', held: '0.00' },
        ],
      };
      const direct = await request(env.urls.wallet).get('/balance/ACC_001').expect(200);
      expect(direct.body).toMatchObject(want);
      expect(new Date(direct.body.updated_at).toISOString()).toBe(direct.body.updated_at);
      const viaGateway = await request(env.urls.gateway).get('/balance/ACC_001').set('X-API-Key', env.demoKey).expect(200);
      expect(viaGateway.body).toMatchObject(want);
    });

    it('an error raised in wallet reaches the gateway with its code and status', async () => {
      const res = await request(env.urls.gateway).get('/balance/ACC_NOPE').set(auth()).set('X-Request-Id', 'req-test-404').expect(404);
      expect(res.body).toEqual({
        error: { code: 'ACCOUNT_NOT_FOUND', message: 'No account ACC_NOPE', details: [], request_id: 'req-test-404' },
      });
      expect(res.headers['x-request-id']).toBe('req-test-404');
      const direct = await request(env.urls.wallet).get('/balance/ACC_NOPE').expect(404);
      expect(direct.body.error.code).toBe('ACCOUNT_NOT_FOUND');
    });

    it('validation failures come back in the same envelope with the precise reason', async () => {
      const tooPrecise = await request(env.urls.gateway)
        .get('/convert')
        .query({ from: 'USD', to: 'IDR', amount: '1.001' })
        .set(auth())
        .expect(400);
      expect(tooPrecise.body.error.code).toBe('VALIDATION_ERROR');
      expect(tooPrecise.body.error.details).toEqual([expect.objectContaining({ field: 'amount', reason: 'AMOUNT_TOO_PRECISE' })]);

      for (const amount of ['1e2', '-5', '0', 'abc', 'NaN', '']) {
        const res = await request(env.urls.fx).get('/convert').query({ from: 'USD', to: 'IDR', amount }).expect(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details[0].field).toBe('amount');
      }
      const unknownCurrency = await request(env.urls.fx).get('/rate').query({ base: 'USD', quote: 'XYZ' }).expect(400);
      expect(unknownCurrency.body.error.details).toEqual([expect.objectContaining({ field: 'quote', reason: 'isCurrencyCode' })]);
      const unknownField = await request(env.urls.fx).get('/rate').query({ base: 'USD', quote: 'IDR', foo: '1' }).expect(400);
      expect(unknownField.body.error.details).toEqual([expect.objectContaining({ field: 'foo', reason: 'whitelistValidation' })]);
      const badId = await request(env.urls.wallet)
        .get('/balance/' + encodeURIComponent('bad id!'))
        .expect(400);
      expect(badId.body.error.details[0].field).toBe('account_id');
    });

    it('a pair the source does not quote is 422 RATE_UNAVAILABLE', async () => {
      const res = await request(env.urls.fx).get('/rate').query({ base: 'USD', quote: 'KWD' }).expect(422);
      expect(res.body.error.code).toBe('RATE_UNAVAILABLE');
    });

    it('the gateway rejects a missing or wrong key (401) and accepts the demo key', async () => {
      const none = await request(env.urls.gateway).get('/rate').query({ base: 'USD', quote: 'IDR' }).expect(401);
      expect(none.body.error.code).toBe('UNAUTHENTICATED');
      const wrong = await request(env.urls.gateway)
        .get('/rate')
        .query({ base: 'USD', quote: 'IDR' })
        .set('Authorization', 'Bearer pk_demokey1_not_the_right_secret_0000000')
        .expect(401);
      expect(wrong.body.error.code).toBe('UNAUTHENTICATED');
      await request(env.urls.gateway).get('/rate').query({ base: 'USD', quote: 'IDR' }).set(auth()).expect(200);
      // The public paths need no key.
      await request(env.urls.gateway).get('/healthz').expect(200);
      await request(env.urls.gateway).get('/metrics').expect(200);
      await request(env.urls.gateway).get('/docs-json').expect(200);
    });

    it('an unknown path is a 404 in the envelope, counted under one route label', async () => {
      const res = await request(env.urls.fx).get('/no/such/path/123').expect(404);
      expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
      const metrics = (await request(env.urls.fx).get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/payment_requests_total\{service="fx",method="GET",route="<unmatched>",status="FAILED",code="404"\} \d+/);
      expect(metrics).not.toContain('/no/such/path');
    });

    it("each port's /metrics holds only its own service, for HTTP and RPC", async () => {
      for (const s of SERVICES) {
        const text = (await request(env.urls[s]).get('/metrics').expect(200)).text;
        expect([...serviceLabels(text)]).toEqual([s]);
        expect(text).toContain('# TYPE payment_requests_total counter');
        expect(text).toContain('# TYPE payment_request_duration_seconds histogram');
      }
      const fx = (await request(env.urls.fx).get('/metrics')).text;
      expect(fx).toMatch(/payment_requests_total\{service="fx",method="GET",route="\/rate",status="OK",code="200"\} \d+/);
      expect(fx).toMatch(/payment_requests_total\{service="fx",method="RPC",route="fx.rate.get",status="OK",code="OK"\} \d+/);
      const wallet = (await request(env.urls.wallet).get('/metrics')).text;
      expect(wallet).toMatch(
        /payment_requests_total\{service="wallet",method="RPC",route="wallet.balance.get",status="FAILED",code="ACCOUNT_NOT_FOUND"\} \d+/,
      );
      const gateway = (await request(env.urls.gateway).get('/metrics')).text;
      expect(gateway).toMatch(
        /payment_request_duration_seconds_bucket\{le="[^"]+",service="gateway",method="GET",route="\/balance\/:account_id"\}/,
      );
    });

    // Last: it stops a service.
    it('a call to a stopped service fails fast with 503 SERVICE_UNAVAILABLE', async () => {
      await env.stop('wallet');
      const res = await request(env.urls.gateway).get('/balance/ACC_001').set(auth()).expect(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('1');
      // The rest still works.
      await request(env.urls.gateway).get('/rate').query({ base: 'USD', quote: 'IDR' }).set(auth()).expect(200);
    });
  });
}
