import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { sql } from 'drizzle-orm';
import { DECORATORS } from '@nestjs/swagger';
import { ALL_ROUTES, DEMO_MERCHANT_ID, ERROR_HTTP_STATUS, RouteDef, pathParams } from '@paygate/contracts';
import { DATABASE, DatabaseHandle, Db, queryRows } from '@paygate/database';
import { ApiKeyRepository } from '../../apps/gateway/src/auth/api-key.repository';
import { mintKey, parseKey } from '../../apps/gateway/src/auth/api-keys';
import { verifyLedger } from '../../apps/wallet/src/persistence/ledger-verify';
import type { EnvironmentOptions, TestEnvironment } from './environments';

/**
 * Hostile input against every mutating route of the public route table (generated from ROUTES,
 * so a new route is covered the day it is added): each category answers its documented 4xx
 * code, never a 5xx, never a stack trace, and writes nothing; a fast-check fuzzer then throws
 * arbitrary bodies at the same routes. Afterwards the ledger verifies clean and every service
 * is healthy. `full: false` runs a sample of each category (the microservices mode, where the
 * edge is the same code and what differs is the transport behind it).
 */

const MUTATING: RouteDef[] = ALL_ROUTES.filter((r) => r.method !== 'GET');
const BODY_ROUTES = MUTATING.filter((r) => r.method === 'POST');
const BODY_LIMIT = 1024 * 1024;

/** Payments created in `beforeAll` to aim the follow-up routes at. */
const AUTHORIZED = 'HI-AUTH-1';
const CAPTURED = 'HI-CAP-1';
const SRC = 'ACC_SRC_0100';
const DST = 'ACC_DST_0100';

interface Target {
  params: Record<string, string>;
  /** A valid body: each case breaks exactly one thing in it. */
  body: Record<string, unknown>;
}

/** Valid requests per operation; routes without one get a target built from their OpenAPI examples. */
const TARGETS: Record<string, Target> = {
  createQuote: { params: {}, body: { from: 'USD', to: 'EUR', amount: '10.00', ttl_seconds: 60 } },
  createAccount: { params: {}, body: { account_id: 'HI_NEW_1', currencies: ['USD'], default_currency: 'USD', allow_overdraft: false } },
  createDeposit: { params: { account_id: SRC }, body: { currency: 'USD', amount: '1.00', reference: 'hi-dep-1' } },
  createWithdrawal: { params: { account_id: SRC }, body: { currency: 'USD', amount: '1.00', reference: 'hi-wd-1' } },
  freezeAccount: { params: { account_id: SRC }, body: {} },
  unfreezeAccount: { params: { account_id: SRC }, body: {} },
  closeAccount: { params: { account_id: SRC }, body: {} },
  score: { params: {}, body: { account: SRC, currency: 'USD', amount: '1.00', destination: DST, payment_id: 'HI-SCORE-1' } },
  createPayment: {
    params: {},
    body: {
      id: 'HI-PAY-1',
      currency: 'USD',
      amount: '1.00',
      source_account: SRC,
      destination_account: DST,
      capture: true,
      metadata: { order: 'o-1' },
    },
  },
  capturePayment: { params: { id: AUTHORIZED }, body: { amount: '1.00' } },
  cancelPayment: { params: { id: AUTHORIZED }, body: {} },
  reviewPayment: { params: { id: AUTHORIZED }, body: { action: 'approve', reason: 'looks fine' } },
  refundPayment: { params: { id: CAPTURED }, body: { amount: '1.00', reason: 'requested' } },
  createWebhookEndpoint: { params: {}, body: { url: 'https://merchant.example/hooks', events: ['payment.captured'], description: 'hi' } },
  deleteWebhookEndpoint: { params: { id: 'we_0000000000000000' }, body: {} },
  rotateWebhookSecret: { params: { id: 'we_0000000000000000' }, body: {} },
  replayWebhookDelivery: { params: { id: 'wd_0000000000000000' }, body: {} },
};

type Props = Array<[string, Record<string, unknown>]>;

/** The contract's body properties (OpenAPI metadata), path parameters excluded. */
function bodyProps(route: RouteDef): Props {
  const proto = route.request.prototype as object;
  const names = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, proto) as string[] | undefined) ?? [];
  const params = pathParams(route.path);
  return names
    .map((n) => n.replace(/^:/, ''))
    .filter((n) => !params.includes(n))
    .map((n) => [n, (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, proto, n) as Record<string, unknown>) ?? {}]);
}

function targetOf(route: RouteDef): Target {
  const known = TARGETS[route.operationId];
  if (known) return known;
  const params = Object.fromEntries(pathParams(route.path).map((p) => [p, 'hi_missing_1']));
  const body = Object.fromEntries(
    bodyProps(route)
      .filter(([, o]) => o.required !== false && o.example !== undefined)
      .map(([n, o]) => [n, o.example]),
  );
  return { params, body };
}

function urlOf(route: RouteDef, params: Record<string, string>, raw = false): string {
  return route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, p: string) => (raw ? params[p] : encodeURIComponent(params[p])));
}

/** JSON text where `Raw` values are spliced in verbatim (numbers beyond double, broken escapes). */
class Raw {
  constructor(readonly text: string) {}
}
function json(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(json).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${json(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: { error?: { code: string; message: string; details?: Array<{ field?: string; reason: string }>; request_id: string } };
}

let env: TestEnvironment;
let demoKey: string;
let readOnlyKey: string;
let otherMerchantKey: string;

/** One raw HTTP request to the gateway (bytes as given: broken UTF-8, odd content types). */
function send(
  method: string,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
  key: string | null = demoKey,
  base: string = env.urls.gateway,
): Promise<Answer> {
  const url = new URL(base);
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const h: Record<string, string | number> = { ...headers };
  if (key !== null) h.authorization = `Bearer ${key}`;
  if (payload && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  if (payload) h['content-length'] = payload.length;
  return new Promise((resolve, reject) => {
    // A fresh connection each time: no race with the server closing an idle keep-alive socket.
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: h, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Answer['body'] = {};
        try {
          parsed = JSON.parse(text) as Answer['body'];
        } catch {
          parsed = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const call = (route: RouteDef, t: Target, body: string | Buffer | undefined, headers?: Record<string, string>, key?: string | null) =>
  send(route.method, urlOf(route, t.params), body, headers, key === undefined ? demoKey : key);

/** Runs `fn` over `items`, a few at a time (the cases are independent). */
async function each<T>(items: readonly T[], fn: (item: T) => Promise<void>, width = 6): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

const SCOPE_CODE = 'INSUFFICIENT_SCOPE' in ERROR_HTTP_STATUS ? 'INSUFFICIENT_SCOPE' : 'FORBIDDEN';

/** The one envelope, the documented status for the code, no internals, the security headers. */
function expectError(res: Answer, status: number, code: string, field?: string, reason?: string): void {
  const what = `${res.status} ${res.text.slice(0, 300)}`;
  expect({ what, status: res.status }).toEqual({ what, status });
  expect(res.body.error?.code).toBe(code);
  expect(ERROR_HTTP_STATUS[code as keyof typeof ERROR_HTTP_STATUS]).toBe(status);
  expect(res.body.error?.request_id).toBe(res.headers['x-request-id']);
  expect(res.text).not.toMatch(/node_modules|\.ts:\d+|\bat [\w.<>]+ \(|Error: |stack/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  if (field !== undefined)
    expect({ what, fields: res.body.error?.details?.map((d) => d.field) }).toEqual({ what, fields: expect.arrayContaining([field]) });
  if (reason !== undefined)
    expect({ what, reasons: res.body.error?.details?.map((d) => d.reason) }).toEqual({ what, reasons: expect.arrayContaining([reason]) });
}

/** Every table of every service schema: row counts, and the wallet balances' exact content. */
async function snapshot(db: Db): Promise<Record<string, string>> {
  const tables = await queryRows<{ s: string; t: string }>(
    db,
    sql`select table_schema as s, table_name as t from information_schema.tables
         where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema', 'public', 'drizzle')
           and table_schema not like 'pg_%' order by 1, 2`,
  );
  const out: Record<string, string> = {};
  for (const { s, t } of tables) {
    const [row] = await queryRows<{ n: string }>(db, sql.raw(`select count(*)::text as n from "${s}"."${t}"`));
    out[`${s}.${t}`] = row.n;
  }
  const [bal] = await queryRows<{ h: string | null }>(
    db,
    sql`select md5(string_agg(b::text, ',' order by b::text)) as h from wallet.balances b`,
  );
  out['wallet.balances#content'] = bal.h ?? '';
  return out;
}

/** Tables that background jobs write on their own (not by requests); left out of the comparison. */
const BACKGROUND = /^(fx\.(rates|rate_snapshots|provider_)|payments\.outbox|payments\.webhook_(deliveries|attempts))/;

function comparable(s: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !BACKGROUND.test(k)));
}

async function newKey(merchantId: string, scopes: string[]): Promise<string> {
  const repo = env.apps.gateway.get(ApiKeyRepository, { strict: false });
  await repo.ensureMerchant(merchantId, `hostile-input ${merchantId}`);
  const secret = mintKey();
  const parsed = parseKey(secret)!;
  await repo.insertKey({
    id: `key_${parsed.prefix}`,
    merchantId,
    name: 'hostile-input',
    prefix: parsed.prefix,
    secretSha256: parsed.sha256,
    scopes,
    rateLimitPerSec: null,
    rateLimitBurst: null,
  } as never);
  return secret;
}

// ---- the hostile values ----------------------------------------------------------------------

const MALFORMED = [
  '{',
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  '{"a":1} x',
  '{"a":1,"a":2}',
  'NaN',
  '{"a":"\\x41"}',
  '{"a":"\\uZZZZ"}',
  '{"a":01}',
  '{"a":.5}',
];
const NOT_OBJECTS = ['[]', '[{"a":1}]', '"text"', '42', 'true'];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
];
const HUGE_AMOUNTS = ['1e400', '12345678901234567890123', '0.30000000000000004', '123.4500000000000001', '1E2', '-0.0', '9007199254740993'];
const BAD_AMOUNT_STRINGS = [
  '-1',
  '0',
  '0.00',
  '-0',
  '1.001',
  '0.001',
  'NaN',
  'Infinity',
  '1e2',
  '',
  ' 1',
  '1,00',
  '１',
  '0x10',
  '+1',
  '1.',
];
const BAD_CURRENCIES = ['ABC', 'usd', 'US', 'USDT', 'ＵＳＤ', '', 'U SD', 'ZZZ'];
const INJECTIONS = [
  "' OR '1'='1",
  '1; DROP TABLE payments.payments;--',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '..\\..\\windows',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  'a b',
  'A'.repeat(65),
  '%00',
];
const UNICODE_IDS = [
  'АCC_SRC_0100', // Cyrillic А
  '\u202eACC_SRC_0100', // RTL override
  'ACC\u200b_SRC_0100', // zero-width space
  'ACC_\u00e9', // NFC é
  'ACC_e\u0301', // NFD é
  'ＡＣＣ', // fullwidth
  'ACC\ufeff',
  'ACC\u00a0X', // no-break space
];
/** Raw JSON string literals no body may carry anywhere: NUL, unpaired surrogates. */
const UNSAFE_STRINGS = ['"a\\u0000b"', '"\\ud800"', '"x\\udc00y"'];

/** Wrong JSON types for a property whose valid value is `sample`. */
function wrongTypes(sample: unknown): unknown[] {
  if (typeof sample === 'boolean') return ['true', { a: 1 }, [true]];
  if (Array.isArray(sample)) return ['USD', { 0: 'USD' }, true];
  if (sample !== null && typeof sample === 'object') return [['x'], 'x', true];
  return [{ a: 1 }, [String(sample)], true];
}

const isMoneyField = (o: Record<string, unknown>, name: string) => name === 'amount' || /amount/.test(String(o.description ?? ''));
const isCurrencyField = (name: string) => ['currency', 'from', 'to', 'default_currency', 'source_currency', 'currencies'].includes(name);
const ID_FIELD = /^(id|account_id|source_account|destination_account|reference|account|destination|payment_id|quote_id)$/;

export interface HostileSuiteOptions {
  /** Every value of every category, and the full fuzzer; otherwise a sample of each. */
  full: boolean;
}

export function hostileInputSuite(
  name: string,
  start: (o: EnvironmentOptions) => Promise<TestEnvironment>,
  opts: HostileSuiteOptions,
): void {
  /** All of `xs`, or its first `n` in sample mode. */
  const pick = <T>(xs: readonly T[], n: number): readonly T[] => (opts.full ? xs : xs.slice(0, n));
  const runs = opts.full ? 20 : 4;

  describe(`hostile input against every mutating route (${name})`, () => {
    let db: Db;
    let before: Record<string, string>;

    beforeAll(async () => {
      env = await start({});
      demoKey = env.demoKey;
      db = env.apps.wallet.get<symbol, DatabaseHandle>(DATABASE).db;
      readOnlyKey = await newKey(DEMO_MERCHANT_ID, ['read']);
      otherMerchantKey = await newKey('mer_hostile_other', ['read', 'write']);
      const gw = () => request(env.urls.gateway).post('/payments').set('Authorization', `Bearer ${demoKey}`);
      const pay = { currency: 'USD', amount: '5.00', source_account: SRC, destination_account: DST };
      await gw()
        .send({ ...pay, id: AUTHORIZED, capture: false })
        .expect(200);
      await gw()
        .send({ ...pay, id: CAPTURED })
        .expect(200);
      before = await snapshot(db);
    }, 120_000);

    afterAll(() => env?.close(), 30_000);

    it('covers every mutating route of the table', () => {
      expect(MUTATING.length).toBeGreaterThanOrEqual(13);
      for (const op of ['createPayment', 'capturePayment', 'refundPayment', 'createDeposit', 'createQuote', 'score']) {
        expect(MUTATING.map((r) => r.operationId)).toContain(op);
      }
    });

    describe.each(MUTATING.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route) => {
      const t = targetOf(route);
      const props = route.method === 'POST' ? bodyProps(route) : [];
      const valid = json(t.body);

      it('malformed JSON → 400 VALIDATION_ERROR (MALFORMED_JSON)', async () => {
        await each(pick(MALFORMED, 3), async (text) =>
          expectError(await call(route, t, text), 400, 'VALIDATION_ERROR', undefined, 'MALFORMED_JSON'),
        );
      });

      it('invalid UTF-8 → 400 VALIDATION_ERROR (INVALID_ENCODING)', async () => {
        const bytes = Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
        expectError(await call(route, t, bytes), 400, 'VALIDATION_ERROR', undefined, 'INVALID_ENCODING');
      });

      it('NUL characters, unpaired surrogates, prototype keys, deep nesting → 400 VALIDATION_ERROR', async () => {
        await each(pick(UNSAFE_STRINGS, 1), async (s) => {
          expectError(await call(route, t, `{"note":${s}}`), 400, 'VALIDATION_ERROR', 'note', 'INVALID_STRING');
          expectError(await call(route, t, `{${s}:"x"}`), 400, 'VALIDATION_ERROR', undefined, 'INVALID_STRING');
        });
        await each(['__proto__', 'constructor', 'prototype'], async (k) => {
          const body = valid.replace(/^\{/, `{"${k}":{"isAdmin":true}${valid === '{}' ? '' : ','}`);
          expectError(await call(route, t, body), 400, 'VALIDATION_ERROR', k, 'FORBIDDEN_KEY');
        });
        expectError(await call(route, t, `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`), 400, 'VALIDATION_ERROR', undefined, 'TOO_DEEP');
        expectError(await call(route, t, `${'['.repeat(50_000)}`), 400, 'VALIDATION_ERROR', undefined, 'MALFORMED_JSON');
      });

      it('a body over the limit → 413 PAYLOAD_TOO_LARGE (declared, and chunked)', async () => {
        const big = `{"pad":"${'x'.repeat(BODY_LIMIT)}"}`;
        expectError(await call(route, t, big), 413, 'PAYLOAD_TOO_LARGE');
      });

      it('a non-JSON content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        await each(pick(WRONG_CONTENT_TYPES, 2), async (ct) =>
          expectError(await call(route, t, valid, { 'content-type': ct }), 415, 'UNSUPPORTED_MEDIA_TYPE'),
        );
        // A body without any content type is not JSON either.
        const url = new URL(env.urls.gateway);
        const res = await new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            {
              host: url.hostname,
              port: url.port,
              method: route.method,
              path: urlOf(route, t.params),
              agent: false,
              headers: { authorization: `Bearer ${demoKey}`, 'content-length': 2 },
            },
            (r) => {
              r.resume();
              resolve(r.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end('{}');
        });
        expect(res).toBe(415);
      });

      it('missing, malformed, unknown and insufficient keys → 401 / 403', async () => {
        expectError(await call(route, t, valid, {}, null), 401, 'UNAUTHENTICATED');
        const badKeys = [
          'nope',
          'pk_',
          'pk_demokey1_wrongsecretwrongsecret',
          `${demoKey}x`,
          demoKey.toUpperCase(),
          `${demoKey} ${demoKey}`,
        ];
        await each(pick(badKeys, 2), async (key) => expectError(await call(route, t, valid, {}, key), 401, 'UNAUTHENTICATED'));
        expectError(
          await call(route, t, valid, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, null),
          401,
          'UNAUTHENTICATED',
        );
        expectError(await call(route, t, valid, {}, readOnlyKey), 403, SCOPE_CODE);
      });

      if (pathParams(route.path).length > 0 && TARGETS[route.operationId] && !/webhook/i.test(route.operationId)) {
        it("another merchant's key on the demo merchant's resource → 404", async () => {
          const res = await call(route, t, valid, {}, otherMerchantKey);
          expect({ text: res.text, status: res.status }).toEqual({ text: res.text, status: 404 });
          expect(res.body.error?.code).toMatch(/NOT_FOUND$/);
        });
      }

      for (const p of pathParams(route.path)) {
        it(`injection strings and unicode tricks in the path id ${p} → 400 VALIDATION_ERROR`, async () => {
          await each(pick([...INJECTIONS, ...UNICODE_IDS], 4), async (bad) => {
            const res = await call(route, { ...t, params: { ...t.params, [p]: bad } }, valid);
            expectError(res, 400, 'VALIDATION_ERROR', p);
          });
          // Percent-encodings that decode to nothing valid: a lone surrogate, a bad escape, NUL.
          await each(['%ED%A0%80', '%E0%A4%A', '%00'], async (raw) =>
            expectError(await send(route.method, urlOf(route, { ...t.params, [p]: raw }, true), valid), 400, 'VALIDATION_ERROR'),
          );
        });
      }

      if (route.method !== 'POST') return;

      it('a JSON body that is not an object → 400 VALIDATION_ERROR', async () => {
        await each(pick(NOT_OBJECTS, 2), async (text) => expectError(await call(route, t, text), 400, 'VALIDATION_ERROR'));
      });

      it('an unknown property → 400 VALIDATION_ERROR naming it', async () => {
        const body = json({ ...t.body, is_admin: true });
        expectError(await call(route, t, body), 400, 'VALIDATION_ERROR', 'is_admin');
      });

      for (const [name] of props) {
        const sample = t.body[name] ?? 'x';
        it(`wrong types for ${name} → 400 VALIDATION_ERROR naming it`, async () => {
          await each(wrongTypes(sample), async (v) =>
            expectError(await call(route, t, json({ ...t.body, [name]: v })), 400, 'VALIDATION_ERROR', name),
          );
        });
      }

      for (const [name] of props.filter(([n, o]) => isMoneyField(o, n))) {
        it(`huge, over-precise, negative, zero and malformed amounts in ${name} → 400 VALIDATION_ERROR`, async () => {
          const values: unknown[] = [...HUGE_AMOUNTS.map((n) => new Raw(n)), ...HUGE_AMOUNTS, ...BAD_AMOUNT_STRINGS];
          await each(pick(values, 6), async (v) =>
            expectError(await call(route, t, json({ ...t.body, [name]: v })), 400, 'VALIDATION_ERROR', name),
          );
        });
      }

      for (const [name] of props.filter(([n]) => isCurrencyField(n))) {
        it(`unknown currencies in ${name} → 400 VALIDATION_ERROR`, async () => {
          await each(pick(BAD_CURRENCIES, 2), async (c) => {
            const v = Array.isArray(t.body[name]) ? [c] : c;
            expectError(await call(route, t, json({ ...t.body, [name]: v })), 400, 'VALIDATION_ERROR', name);
          });
        });
      }

      for (const [name] of props.filter(([n]) => ID_FIELD.test(n))) {
        it(`injection strings and unicode tricks in the id ${name} → 400 VALIDATION_ERROR`, async () => {
          await each(pick([...INJECTIONS, ...UNICODE_IDS], 4), async (bad) =>
            expectError(await call(route, t, json({ ...t.body, [name]: bad })), 400, 'VALIDATION_ERROR', name),
          );
        });
      }
    });

    describe('fuzzing (fast-check)', () => {
      const allowed = new Set([400, 401, 403, 404, 409, 413, 415, 422]);
      const check = (res: Answer) => {
        expect({ status: res.status, text: res.text.slice(0, 300) }).toEqual({ status: expect.any(Number), text: expect.any(String) });
        if (res.status >= 500 || !allowed.has(res.status)) throw new Error(`unexpected ${res.status}: ${res.text.slice(0, 300)}`);
        const code = res.body.error?.code as keyof typeof ERROR_HTTP_STATUS;
        expect(ERROR_HTTP_STATUS[code]).toBe(res.status);
        expect(res.text).not.toMatch(/node_modules|\.ts:\d+|Error: /);
      };

      /** Any JSON value but a string or number (a number arrives as its text and could be valid). */
      const nonScalar = fc.oneof(
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      );

      it('a required property replaced by any non-scalar JSON, or an unknown property added: a documented 4xx, nothing written', async () => {
        for (const route of BODY_ROUTES) {
          const t = targetOf(route);
          const required = bodyProps(route)
            .filter(([n, o]) => o.required !== false && n in t.body)
            .map(([n]) => n);
          await fc.assert(
            fc.asyncProperty(
              fc.oneof(
                required.length > 0
                  ? fc
                      .record({ field: fc.constantFrom(...required), value: nonScalar })
                      .map(({ field, value }) => ({ ...t.body, [field]: value }))
                  : fc.constant({ ...t.body, unknown_field: 1 }),
                fc
                  .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
                  .filter(([k]) => !(k in t.body) && !bodyProps(route).some(([n]) => n === k))
                  .map(([k, v]) => ({ ...t.body, [k]: v })),
              ),
              async (body) => {
                const res = await call(route, t, JSON.stringify(body));
                check(res);
                expect(res.status).toBe(400);
              },
            ),
            { numRuns: runs, seed: 20261125 },
          );
        }
      });

      it('arbitrary text and arbitrary JSON bodies: a documented 4xx every time', async () => {
        for (const route of BODY_ROUTES) {
          const t = targetOf(route);
          const names = new Set(bodyProps(route).map(([n]) => n));
          await fc.assert(
            fc.asyncProperty(
              fc.oneof(fc.string({ maxLength: 64 }), fc.json({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 32 })),
              async (text) => {
                // A JSON object of known properties only could be a valid request: not this test's business.
                try {
                  const v = JSON.parse(text) as unknown;
                  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => names.has(k))) return;
                  if (v === null) return;
                } catch {
                  // not JSON: exactly what we want to send
                }
                if (text.trim() === '') return;
                check(await call(route, t, text));
              },
            ),
            { numRuns: runs, seed: 42 },
          );
        }
      });
    });

    describe("the services' own ports (no key) answer the same", () => {
      it.each(BODY_ROUTES.map((r) => [`${r.service} ${r.method} ${r.path}`, r] as const))('%s', async (_n, route) => {
        const t = targetOf(route);
        const path = urlOf(route, t.params);
        const at = (body: string, headers: Record<string, string> = {}) =>
          send(route.method, path, body, headers, null, env.urls[route.service]);
        expectError(await at('{"a":'), 400, 'VALIDATION_ERROR', undefined, 'MALFORMED_JSON');
        expectError(await at('{"note":"a\\u0000b"}'), 400, 'VALIDATION_ERROR', 'note', 'INVALID_STRING');
        expectError(await at('{"__proto__":{}}'), 400, 'VALIDATION_ERROR', '__proto__', 'FORBIDDEN_KEY');
        expectError(await at(json(t.body), { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
        expectError(await at(`{"pad":"${'x'.repeat(BODY_LIMIT)}"}`), 413, 'PAYLOAD_TOO_LARGE');
        expectError(await at(json({ ...t.body, is_admin: true })), 400, 'VALIDATION_ERROR', 'is_admin');
      });
    });

    describe('afterwards', () => {
      it('wrote nothing: every table of every service has the rows it had, balances unchanged', async () => {
        const after = await snapshot(db);
        expect(comparable(after)).toEqual(comparable(before));
      });

      it('ledger:verify is clean', async () => {
        const report = await verifyLedger(db);
        expect(report.violations).toEqual([]);
        expect(report.ok).toBe(true);
      });

      it('every port sends the security headers, the strict CSP, and no CORS headers by default', async () => {
        for (const url of Object.values(env.urls)) {
          const res = await request(url).get('/livez').set('Origin', 'https://evil.example');
          expect(res.headers).toMatchObject({
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'DENY',
            'referrer-policy': 'no-referrer',
            'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
          });
          expect(res.headers['x-powered-by']).toBeUndefined();
          expect(res.headers['strict-transport-security']).toBeUndefined();
          expect(res.headers['access-control-allow-origin']).toBeUndefined();
        }
      });

      it('every service is healthy', async () => {
        for (const url of Object.values(env.urls)) await request(url).get('/healthz').expect(200);
      });
    });
  });
}
