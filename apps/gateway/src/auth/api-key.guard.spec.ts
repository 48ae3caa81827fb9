import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@paygate/contracts';
import { ROUTE_SCOPE } from '@paygate/http';
import { Registry } from 'prom-client';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository, StoredKey } from './api-key.repository';
import { hashKey, mintKey, parseKey } from './api-keys';
import { MemoryRateLimitStore, RateLimitStore } from './rate-limit.store';
import { RateLimiter } from './rate-limiter';

function keyFor(secret: string, scopes: string[], limit: Partial<StoredKey> = {}): StoredKey {
  return {
    id: `key_${parseKey(secret)!.prefix}`,
    merchantId: 'm1',
    secretSha256: hashKey(secret),
    scopes,
    rateLimitPerSec: null,
    rateLimitBurst: null,
    expiresAt: null,
    ...limit,
  };
}

function setup(keys: StoredKey[], store: RateLimitStore = new MemoryRateLimitStore(() => 0), cacheMs = 0) {
  const lookups = { n: 0 };
  const repo = {
    generation: 0,
    findActiveByPrefix: async (prefix: string) => {
      lookups.n += 1;
      return keys.find((k) => k.id === `key_${prefix}`);
    },
  };
  const registry = new Registry();
  const limiter = new RateLimiter({ defaults: { perSec: 1000, burst: 2000 }, store }, registry);
  const guard = new ApiKeyGuard(repo as unknown as ApiKeyRepository, new Reflector(), limiter, cacheMs);
  const call = async (headers: Record<string, string>, scope: string | undefined) => {
    const handler = () => undefined;
    if (scope) Reflect.defineMetadata(ROUTE_SCOPE, scope, handler);
    const raw: Record<string, unknown> = { headers };
    const req = { raw };
    const resHeaders: Record<string, string> = {};
    const res = {
      header(n: string, v: string) {
        resHeaders[n] = v;
        return this;
      },
    };
    const ctx = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
      getHandler: () => handler,
    } as unknown as ExecutionContext;
    try {
      await guard.canActivate(ctx);
      return { ok: true as const, req: raw, headers: resHeaders };
    } catch (err) {
      return { ok: false as const, code: (err as DomainError).code, headers: resHeaders };
    }
  };
  return { call, registry, repo, lookups };
}

describe('ApiKeyGuard', () => {
  const secret = mintKey();

  describe('key cache', () => {
    it('a checked key is trusted for cacheMs without another lookup; a wrong secret with its prefix is still refused', async () => {
      const { call, lookups } = setup([keyFor(secret, ['read'])], undefined, 60_000);
      for (let i = 0; i < 3; i++) expect((await call({ authorization: `Bearer ${secret}` }, 'read')).ok).toBe(true);
      expect(lookups.n).toBe(1);
      const forged = secret.slice(0, -4) + 'AAAA';
      expect(await call({ authorization: `Bearer ${forged}` }, 'read')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    });

    it('a revoke or rotate on this gateway (generation) drops the cache at once', async () => {
      const keys = [keyFor(secret, ['read'])];
      const { call, repo, lookups } = setup(keys, undefined, 60_000);
      expect((await call({ authorization: `Bearer ${secret}` }, 'read')).ok).toBe(true);
      keys.length = 0;
      repo.generation += 1;
      expect(await call({ authorization: `Bearer ${secret}` }, 'read')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
      expect(lookups.n).toBe(2);
    });

    it('a key past its expiry is looked up again, and with cacheMs 0 every request is', async () => {
      const expiring = setup([keyFor(secret, ['read'], { expiresAt: new Date(Date.now() - 1) })], undefined, 60_000);
      await expiring.call({ authorization: `Bearer ${secret}` }, 'read');
      await expiring.call({ authorization: `Bearer ${secret}` }, 'read');
      expect(expiring.lookups.n).toBe(2);
      const uncached = setup([keyFor(secret, ['read'])]);
      await uncached.call({ authorization: `Bearer ${secret}` }, 'read');
      await uncached.call({ authorization: `Bearer ${secret}` }, 'read');
      expect(uncached.lookups.n).toBe(2);
    });
  });

  it('authenticates Bearer and X-API-Key, sets the merchant and scopes', async () => {
    const { call } = setup([keyFor(secret, ['read'])]);
    for (const h of [{ authorization: `Bearer ${secret}` }, { 'x-api-key': secret }] as Array<Record<string, string>>) {
      const r = await call(h, 'read');
      expect(r).toMatchObject({ ok: true, req: { merchantId: 'm1', scopes: ['read'] } });
    }
  });

  it.each([
    ['no key', {}],
    ['a malformed key', { authorization: 'Bearer nope' }],
    ['an unknown key', { authorization: `Bearer ${mintKey()}` }],
    ['a wrong secret for a known prefix', { authorization: `Bearer ${secret.slice(0, -4)}AAAA` }],
    ['Basic auth', { authorization: `Basic ${secret}` }],
  ])('401 UNAUTHENTICATED for %s', async (_why, headers) => {
    const { call } = setup([keyFor(secret, ['admin'])]);
    expect(await call(headers, 'read')).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
  });

  it('403 INSUFFICIENT_SCOPE for a read key on a write route, admin passes everywhere', async () => {
    const reader = mintKey();
    const { call } = setup([keyFor(secret, ['admin']), keyFor(reader, ['read'])]);
    expect(await call({ authorization: `Bearer ${reader}` }, 'write')).toMatchObject({ ok: false, code: 'INSUFFICIENT_SCOPE' });
    expect(await call({ authorization: `Bearer ${reader}` }, 'admin')).toMatchObject({ ok: false, code: 'INSUFFICIENT_SCOPE' });
    for (const scope of ['read', 'write', 'admin']) expect((await call({ authorization: `Bearer ${secret}` }, scope)).ok).toBe(true);
  });

  it("429 RATE_LIMITED past the key's own limit, with Retry-After and RateLimit headers", async () => {
    const { call } = setup([keyFor(secret, ['read'], { rateLimitPerSec: 1, rateLimitBurst: 2 })]);
    const auth = { authorization: `Bearer ${secret}` };
    expect((await call(auth, 'read')).headers).toEqual({ 'RateLimit-Limit': '2', 'RateLimit-Remaining': '1', 'RateLimit-Reset': '1' });
    expect((await call(auth, 'read')).ok).toBe(true);
    const denied = await call(auth, 'read');
    expect(denied).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(denied.headers).toMatchObject({ 'Retry-After': '1', 'RateLimit-Remaining': '0' });
  });

  it('a key with rate 0 is not limited and gets no RateLimit headers', async () => {
    const { call } = setup([keyFor(secret, ['read'], { rateLimitPerSec: 0 })]);
    for (let i = 0; i < 5; i++) expect(await call({ authorization: `Bearer ${secret}` }, 'read')).toMatchObject({ ok: true, headers: {} });
  });

  it('fails open when the store fails, and counts it', async () => {
    const broken: RateLimitStore = { kind: 'redis', hit: () => Promise.reject(new Error('ECONNREFUSED')), close: async () => undefined };
    const { call, registry } = setup([keyFor(secret, ['read'])], broken);
    expect(await call({ authorization: `Bearer ${secret}` }, 'read')).toMatchObject({ ok: true, headers: {} });
    const metric = await registry.getSingleMetricAsString('gateway_rate_limit_decisions_total');
    expect(metric).toContain('gateway_rate_limit_decisions_total{result="fail_open",store="redis"} 1');
  });
});
