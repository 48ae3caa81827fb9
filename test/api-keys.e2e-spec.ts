import request from 'supertest';
import { Writable } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { createTestDatabase, testRuntime, TestDatabase } from '@paygate/testing';
import { run as keysCli } from '../apps/cli/src/keys/command';
import { gatewayService } from '../apps/gateway/src/gateway-app.module';
import { startMonolith } from '../apps/monolith/src/monolith';
import { TestEnvironment, monolithEnvironment } from './support/environments';

// Generous: the machine is shared; nothing here waits for time except the refill and grace tests.
jest.setTimeout(60_000);

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('API keys through the admin routes (monolith)', () => {
  let env: TestEnvironment;
  let gw: string;

  beforeAll(async () => {
    env = await monolithEnvironment();
    gw = env.urls.gateway;
  }, 180_000);
  afterAll(() => env?.close());

  function createKey(body: Record<string, unknown>, as = env.demoKey) {
    return request(gw).post('/api_keys').set(bearer(as)).send(body);
  }

  it('creates a key: the secret is in the answer once, the list never shows it', async () => {
    const res = await createKey({ name: 'checkout', scopes: ['read', 'write'] }).expect(201);
    expect(res.body).toMatchObject({ name: 'checkout', scopes: ['read', 'write'], status: 'active', merchant_id: env.merchantId });
    expect(res.body.key).toMatch(/^pk_[0-9a-f]{16}_[A-Za-z0-9_]{32}$/);
    expect(res.body.key.slice(3, 19)).toBe(res.body.prefix);

    const list = await request(gw).get('/api_keys').set(bearer(env.demoKey)).expect(200);
    const listed = list.body.data.find((k: { id: string }) => k.id === res.body.id);
    expect(listed).toMatchObject({ id: res.body.id, prefix: res.body.prefix, status: 'active' });
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
    expect(listed).not.toHaveProperty('key');
    expect(listed).not.toHaveProperty('secret_sha256');

    // The new key works, with X-API-Key too.
    await request(gw).get('/balance/ACC_SRC_ABC').set('X-API-Key', res.body.key).expect(200);
  });

  it('pages the list with the one pagination shape', async () => {
    for (let i = 0; i < 3; i++) await createKey({ name: `page-${i}`, scopes: ['read'] }).expect(201);
    const first = await request(gw).get('/api_keys?limit=2').set(bearer(env.demoKey)).expect(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const second = await request(gw).get(`/api_keys?limit=2&starting_after=${first.body.next_cursor}`).set(bearer(env.demoKey)).expect(200);
    expect(second.body.data[0].id > first.body.next_cursor).toBe(true);
  });

  it('revoke → the key is 401 from then on; revoking twice is 409', async () => {
    const { body: k } = await createKey({ scopes: ['read'] }).expect(201);
    await request(gw).get('/rates').set(bearer(k.key)).expect(200);
    const revoked = await request(gw).post(`/api_keys/${k.id}/revoke`).set(bearer(env.demoKey)).expect(200);
    expect(revoked.body).toMatchObject({ id: k.id, status: 'revoked' });
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    const denied = await request(gw).get('/rates').set(bearer(k.key)).expect(401);
    expect(denied.body.error.code).toBe('UNAUTHENTICATED');
    const again = await request(gw).post(`/api_keys/${k.id}/revoke`).set(bearer(env.demoKey)).expect(409);
    expect(again.body.error.code).toBe('API_KEY_REVOKED');
  });

  it('rotate without grace: the old secret is 401 at once, the new one 200, same scopes', async () => {
    const { body: k } = await createKey({ name: 'rotating', scopes: ['read'] }).expect(201);
    const rot = await request(gw).post(`/api_keys/${k.id}/rotate`).set(bearer(env.demoKey)).send({}).expect(201);
    expect(rot.body.previous).toMatchObject({ id: k.id, status: 'revoked' });
    expect(rot.body.key).toMatchObject({ name: 'rotating', scopes: ['read'], rotated_from: k.id, status: 'active' });
    expect(rot.body.key.key).not.toBe(k.key);
    expect((await request(gw).get('/rates').set(bearer(k.key)).expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    await request(gw).get('/rates').set(bearer(rot.body.key.key)).expect(200);
  });

  it('rotate with a grace period: both secrets work until it ends, then the old one is 401', async () => {
    const { body: k } = await createKey({ scopes: ['read'] }).expect(201);
    const rot = await request(gw).post(`/api_keys/${k.id}/rotate`).set(bearer(env.demoKey)).send({ grace_period_seconds: 3 }).expect(201);
    expect(rot.body.previous.expires_at).toEqual(expect.any(String));
    await request(gw).get('/rates').set(bearer(rot.body.key.key)).expect(200);
    await request(gw).get('/rates').set(bearer(k.key)).expect(200); // within the 3 s grace period
    await eventually(
      async () => ((await request(gw).get('/rates').set(bearer(k.key))).status === 401 ? true : undefined),
      15_000,
      'the grace period to end',
    );
    await request(gw).get('/rates').set(bearer(rot.body.key.key)).expect(200);
    // An expired key cannot be rotated again.
    expect((await request(gw).post(`/api_keys/${k.id}/rotate`).set(bearer(env.demoKey)).send({}).expect(409)).body.error.code).toBe(
      'API_KEY_REVOKED',
    );
  });

  it('scopes: a read key can GET but not POST (403 INSUFFICIENT_SCOPE) nor manage keys; a write key can POST', async () => {
    const { body: reader } = await createKey({ scopes: ['read'] }).expect(201);
    const { body: writer } = await createKey({ scopes: ['write'] }).expect(201);
    await request(gw).get('/balance/ACC_SRC_ABC').set(bearer(reader.key)).expect(200);
    const post = await request(gw).post('/quotes').set(bearer(reader.key)).send({ from: 'USD', to: 'EUR' }).expect(403);
    expect(post.body.error.code).toBe('INSUFFICIENT_SCOPE');
    expect(post.body.error.details[0]).toMatchObject({ required: 'write' });
    expect((await request(gw).get('/api_keys').set(bearer(reader.key)).expect(403)).body.error.code).toBe('INSUFFICIENT_SCOPE');
    expect((await createKey({ scopes: ['admin'] }, writer.key).expect(403)).body.error.code).toBe('INSUFFICIENT_SCOPE');
    await request(gw).post('/quotes').set(bearer(writer.key)).send({ from: 'USD', to: 'EUR' }).expect(201);
    // write includes read
    await request(gw).get('/balance/ACC_SRC_ABC').set(bearer(writer.key)).expect(200);
  });

  it('401 with a code for a missing, malformed or unknown key', async () => {
    for (const headers of [{}, bearer('nonsense'), bearer('pk_0123456789abcdef_unknownsecretunknownsecret00000'), { 'X-API-Key': '' }]) {
      const res = await request(gw).get('/api_keys').set(headers).expect(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('rejects bad input with 400 VALIDATION_ERROR and unknown ids with 404', async () => {
    for (const body of [
      {},
      { scopes: [] },
      { scopes: ['root'] },
      { scopes: 'read' },
      { scopes: ['read'], extra: 1 },
      { scopes: ['read'], rate_limit_per_sec: -1 },
      { scopes: ['read'], rate_limit_per_sec: 0.0001 },
      { scopes: ['read'], rate_limit_burst: 0 },
    ]) {
      const res = await createKey(body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    const bad = await request(gw)
      .post('/api_keys/key_0123/rotate')
      .set(bearer(env.demoKey))
      .send({ grace_period_seconds: 10 ** 9 })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    for (const id of ['key_doesnotexist', 'not-a-key-id', '%27%20or%201%3D1']) {
      const res = await request(gw).post(`/api_keys/${id}/revoke`).set(bearer(env.demoKey)).expect(404);
      expect(res.body.error.code).toBe('API_KEY_NOT_FOUND');
    }
  });

  it("another merchant's key ids are not found", async () => {
    // A second merchant made through the repository of this gateway (PGlite): its key is not ours.
    const { ApiKeyRepository } = await import('../apps/gateway/src/auth/api-key.repository');
    const { ApiKeyManager } = await import('../apps/gateway/src/auth/api-key.manager');
    const repo = env.apps.gateway.get(ApiKeyRepository, { strict: false });
    await repo.ensureMerchant('merchant_other', 'Other');
    const other = await new ApiKeyManager(repo).create({ merchantId: 'merchant_other', scopes: ['admin'] });
    const res = await request(gw).post(`/api_keys/${other.record.id}/revoke`).set(bearer(env.demoKey)).expect(404);
    expect(res.body.error.code).toBe('API_KEY_NOT_FOUND');
    const theirs = await request(gw).get('/api_keys').set(bearer(other.secret)).expect(200);
    expect(theirs.body.data.map((k: { merchant_id: string }) => k.merchant_id)).toEqual(['merchant_other']);
  });

  it('sets RateLimit headers on answers', async () => {
    const res = await request(gw).get('/rates').set(bearer(env.demoKey)).expect(200);
    expect(res.headers['ratelimit-limit']).toMatch(/^\d+$/);
    expect(res.headers['ratelimit-remaining']).toMatch(/^\d+$/);
    expect(res.headers['ratelimit-reset']).toMatch(/^\d+$/);
  });
});

describe('production: no demo key', () => {
  it('refuses to start a gateway with DEMO_API_KEY in production, with a clear message', async () => {
    const rt = await testRuntime({ mode: 'in-process' });
    expect(() => gatewayService({ ...rt, env: 'production', demoApiKey: 'pk_demokey1_paygate_local_demo_only_0123456789' })).toThrow(
      /DEMO_API_KEY: refused in production/,
    );
  });
});

function capture(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  });
  return { stream, text: () => buf };
}

async function cli(argv: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = capture();
  const err = capture();
  const code = await keysCli(argv, { stdout: out.stream, stderr: err.stream, env: { DATABASE_URL: databaseUrl }, cwd: process.cwd() });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('keys CLI against PostgreSQL: the bootstrap path without a demo key', () => {
  let db: TestDatabase;
  let monolith: { apps: Record<string, INestApplication>; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await monolith?.close();
    await db?.drop();
  });

  it('create / list / rotate / revoke, then the gateway (no demo key) accepts exactly the live keys', async () => {
    const created = await cli(['create', '--merchant', 'merchant_prod', '--scopes', 'admin', '--name', 'bootstrap', '--json'], db.url);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const admin = JSON.parse(created.stdout);
    expect(admin).toMatchObject({ merchant_id: 'merchant_prod', scopes: ['admin'], status: 'active', name: 'bootstrap' });
    expect(admin.key).toMatch(/^pk_/);

    const human = await cli(
      ['create', '--merchant', 'merchant_prod', '--scopes', 'write,read', '--rate-limit', '5', '--burst', '10'],
      db.url,
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/only time the secret is shown/);
    const writerKey = /^\s+(pk_\S+)$/m.exec(human.stdout)![1];

    const listed = await cli(['list', '--json'], db.url);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout).data as Array<{ id: string; scopes: string[]; rate_limit: unknown }>;
    expect(rows).toHaveLength(2);
    expect(listed.stdout).not.toContain(admin.key);
    expect(listed.stdout).not.toContain(writerKey);
    expect(rows.find((r) => r.scopes.includes('write'))!.rate_limit).toEqual({ per_sec: 5, burst: 10 });
    const writerId = rows.find((r) => r.scopes.includes('write'))!.id;

    const rotated = await cli(['rotate', writerId, '--json'], db.url);
    expect(rotated.code).toBe(0);
    const newWriter = JSON.parse(rotated.stdout).key.key as string;

    const toRevoke = JSON.parse((await cli(['create', '--merchant', 'merchant_prod', '--scopes', 'read', '--json'], db.url)).stdout);
    expect((await cli(['revoke', toRevoke.id], db.url)).code).toBe(0);
    const twice = await cli(['revoke', toRevoke.id], db.url);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/API_KEY_REVOKED/);
    expect((await cli(['revoke', 'key_missing'], db.url)).code).toBe(1);
    expect((await cli(['create', '--merchant', 'merchant_prod', '--scopes', 'root'], db.url)).code).toBe(2);
    expect((await cli(['create', '--scopes', 'read'], db.url)).code).toBe(2);
    expect((await cli(['frobnicate'], db.url)).code).toBe(2);
    expect((await cli(['list'], 'postgres://postgres@127.0.0.1:1/nothing')).code).toBe(3);

    const rt = await testRuntime({ mode: 'in-process', databaseUrl: db.url });
    monolith = await startMonolith({ ...rt, demoApiKey: undefined, demoData: false });
    const gw = await monolith.apps.gateway.getUrl();
    const keys = await request(gw).get('/api_keys').set(bearer(admin.key)).expect(200);
    expect(keys.body.data).toHaveLength(4);
    await request(gw).get('/rates').set(bearer(newWriter)).expect(200);
    await request(gw).get('/rates').set(bearer(writerKey)).expect(401);
    await request(gw).get('/rates').set(bearer(toRevoke.key)).expect(401);
    await request(gw).get('/rates').set(bearer('pk_demokey1_paygate_local_demo_only_0123456789')).expect(401);
  }, 60_000);
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  return (await import('./support/eventually')).eventually(probe, timeoutMs, what);
}
