import request from 'supertest';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { RuntimeConfig, startService } from '@paygate/platform';
import { freePort } from '@paygate/testing';
import { gatewayService, gatewayStartOptions } from '../apps/gateway/src/gateway-app.module';
import { eventually } from './support/eventually';
import { TestEnvironment, microservicesEnvironment, monolithEnvironment } from './support/environments';

// Generous: the machine is shared; nothing here waits for time except the refill and grace tests.
jest.setTimeout(60_000);

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A key of the demo merchant with its own small limit. */
async function limitedKey(gateway: string, adminKey: string, perSec: number, burst: number): Promise<string> {
  const res = await request(gateway)
    .post('/api_keys')
    .set(bearer(adminKey))
    .send({ name: 'rate-limited', scopes: ['read'], rate_limit_per_sec: perSec, rate_limit_burst: burst })
    .expect(201);
  return res.body.key as string;
}

function expectLimited(res: request.Response, limit: number): void {
  expect(res.status).toBe(429);
  expect(res.body.error.code).toBe('RATE_LIMITED');
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(res.headers['ratelimit-limit']).toBe(String(limit));
  expect(res.headers['ratelimit-remaining']).toBe('0');
  expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
}

describe('per-key rate limits in the monolith (in memory)', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await monolithEnvironment();
  }, 180_000);
  afterAll(() => env?.close());

  it('the (limit+1)th request in the window is 429 RATE_LIMITED with Retry-After and RateLimit headers', async () => {
    const gw = env.urls.gateway;
    const key = await limitedKey(gw, env.demoKey, 0.2, 3);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await request(gw).get('/rates').set(bearer(key)).expect(200);
      expect(ok.headers['ratelimit-limit']).toBe('3');
      remaining.push(ok.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    expectLimited(await request(gw).get('/rates').set(bearer(key)), 3);
    // Other keys are not affected.
    await request(gw).get('/rates').set(bearer(env.demoKey)).expect(200);
  });

  it('lets requests through again once the bucket refills', async () => {
    const gw = env.urls.gateway;
    const key = await limitedKey(gw, env.demoKey, 0.5, 2);
    await request(gw).get('/rates').set(bearer(key)).expect(200);
    await request(gw).get('/rates').set(bearer(key)).expect(200);
    expectLimited(await request(gw).get('/rates').set(bearer(key)), 2);
    const again = await eventually(
      async () => {
        const res = await request(gw).get('/rates').set(bearer(key));
        return res.status === 200 ? res : undefined;
      },
      10_000,
      'the bucket to refill',
    );
    expect(again.headers['ratelimit-remaining']).toBe('0');
  });

  it('counts rejected scopes too, but never unauthenticated requests', async () => {
    const gw = env.urls.gateway;
    const key = await limitedKey(gw, env.demoKey, 0.2, 1);
    await request(gw).post('/quotes').set(bearer(key)).send({ from: 'USD', to: 'EUR' }).expect(403);
    expectLimited(await request(gw).get('/rates').set(bearer(key)), 1);
    for (let i = 0; i < 5; i++) await request(gw).get('/rates').expect(401);
  });
});

describe('per-key rate limits across two gateway replicas sharing Redis (microservices)', () => {
  let env: TestEnvironment;
  const prefix = `paygate:test:${process.pid}:${randomBytes(4).toString('hex')}`;
  const gateways: INestApplication[] = [];
  let a: string;
  let b: string;
  let redis: Redis;

  async function gateway(rt: RuntimeConfig): Promise<string> {
    const own: RuntimeConfig = { ...rt, ports: { ...rt.ports, gateway: await freePort() } };
    const app = await startService(gatewayService(own), own, gatewayStartOptions);
    gateways.push(app);
    return app.getUrl();
  }

  beforeAll(async () => {
    env = await microservicesEnvironment();
    const rt: RuntimeConfig = { ...env.rt, rateLimit: { ...env.rt.rateLimit, store: undefined, redisPrefix: prefix } };
    a = await gateway(rt);
    b = await gateway(rt);
    redis = new Redis(env.rt.rateLimit.redisUrl);
  }, 240_000);
  afterAll(async () => {
    for (const app of gateways) await app.close();
    const keys = await redis?.keys(`${prefix}:*`);
    if (keys?.length) await redis.del(...keys);
    redis?.disconnect();
    await env?.close();
  });

  it('the (limit+1)th request is 429 whichever replica it reaches', async () => {
    const key = await limitedKey(a, env.demoKey, 0.2, 4);
    const seen: string[] = [];
    for (const gw of [a, b, a, b]) {
      const ok = await request(gw).get('/rates').set(bearer(key)).expect(200);
      seen.push(ok.headers['ratelimit-remaining']);
    }
    expect(seen).toEqual(['3', '2', '1', '0']);
    expectLimited(await request(a).get('/rates').set(bearer(key)), 4);
    expectLimited(await request(b).get('/rates').set(bearer(key)), 4);
    expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
  });

  it('both replicas let the key through again once the shared bucket refills', async () => {
    const key = await limitedKey(b, env.demoKey, 0.5, 2);
    await request(a).get('/rates').set(bearer(key)).expect(200);
    await request(b).get('/rates').set(bearer(key)).expect(200);
    expectLimited(await request(a).get('/rates').set(bearer(key)), 2);
    await eventually(async () => ((await request(b).get('/rates').set(bearer(key))).status === 200 ? true : undefined), 10_000, 'a refill');
  });

  it('Redis down: requests are let through (fail open) and counted in a metric', async () => {
    const rt: RuntimeConfig = {
      ...env.rt,
      rateLimit: { ...env.rt.rateLimit, store: 'redis', redisUrl: `redis://127.0.0.1:${await freePort()}`, redisPrefix: prefix },
    };
    const down = await gateway(rt);
    const key = await limitedKey(a, env.demoKey, 0.2, 1);
    for (let i = 0; i < 3; i++) {
      const res = await request(down).get('/rates').set(bearer(key)).expect(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    const metrics = await request(down).get('/metrics').expect(200);
    const line = metrics.text
      .split('\n')
      .find((l) => l.startsWith('gateway_rate_limit_decisions_total{') && l.includes('result="fail_open"'));
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(3);
  });
});
