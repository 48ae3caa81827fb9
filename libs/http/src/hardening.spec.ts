import type { Server } from 'node:http';
import request from 'supertest';
import { edgeTestApp } from './edge-test-app';
import { corsAllowList, parseByteSize, parseCorsOrigins, securityHeaders } from './hardening';
import { contentSecurityPolicy } from './security';

const servers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of servers) await close();
});

async function app(opts: { hsts?: boolean; origins?: string[] } = {}): Promise<Server> {
  const a = edgeTestApp([securityHeaders({ hsts: opts.hsts ?? false }), corsAllowList(opts.origins ?? [])]);
  a.get('/x', async () => ({ ok: true }));
  a.post('/x', async (_req, reply) => reply.code(201).send({ ok: true }));
  servers.push(() => a.close());
  await a.ready();
  return a.server;
}

describe('parseByteSize', () => {
  it.each([
    ['512', 512],
    ['100kb', 102_400],
    ['100KB', 102_400],
    ['1mb', 1_048_576],
    [' 2 MiB ', 2_097_152],
  ])('%s → %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each(['', '0', '-1', '1.5mb', '1gb', 'lots', '1e3'])('rejects %p', (text) => expect(parseByteSize(text)).toBeUndefined());
});

describe('parseCorsOrigins', () => {
  it('is empty when unset or blank', () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins('  ')).toEqual([]);
  });

  it('reads exact origins, comma-separated', () => {
    expect(parseCorsOrigins('https://app.example.com, http://localhost:3000/')).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/path', 'ftp://x.example', 'https://*.example.com'])('refuses %p', (o) =>
    expect(() => parseCorsOrigins(o)).toThrow(/CORS_ORIGINS/),
  );
});

describe('contentSecurityPolicy', () => {
  it('is strict by default: self only, no framing, no plugins', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('admits the configured Grafana origin (not its path) for frames only', () => {
    const csp = contentSecurityPolicy('https://grafana.example.com:3000/d/abc?orgId=1');
    expect(csp).toContain('frame-src https://grafana.example.com:3000');
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toContain('/d/abc');
  });

  it('ignores a Grafana URL that is not http(s)', () => {
    expect(contentSecurityPolicy('javascript:alert(1)')).toBe(contentSecurityPolicy());
  });
});

describe('securityHeaders', () => {
  it('sets nosniff, DENY framing, no referrer, the CSP, and no HSTS unless asked', async () => {
    const res = await request(await app())
      .get('/x')
      .expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends HSTS when configured (behind TLS)', async () => {
    const res = await request(await app({ hsts: true }))
      .get('/x')
      .expect(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('corsAllowList', () => {
  it('adds no CORS header at all without an allow-list', async () => {
    const res = await request(await app())
      .get('/x')
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await request(await app())
      .options('/x')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  let allowed: Server;
  beforeAll(async () => {
    allowed = await app({ origins: ['https://app.example.com'] });
  });

  it('echoes an allowed origin (never *), varies on Origin and exposes the API headers', async () => {
    const res = await request(allowed).get('/x').set('Origin', 'https://app.example.com').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['vary']).toMatch(/Origin/);
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers an allowed preflight with 204 and the methods and headers, before any route', async () => {
    const res = await request(allowed)
      .options('/anything')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, idempotency-key')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('answers a preflight from another origin without CORS headers (the browser refuses)', async () => {
    const res = await request(allowed)
      .options('/x')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('leaves requests from other origins to the browser: no allow header, the route still answers', async () => {
    const res = await request(allowed).post('/x').set('Origin', 'https://app.example.com.evil.example').expect(201);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
