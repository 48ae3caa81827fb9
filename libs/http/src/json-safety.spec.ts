import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { requestIdMiddleware } from './edge-middleware';
import { edgeTestApp } from './edge-test-app';
import { requestHeaderRules } from './hardening';
import { MAX_JSON_DEPTH, unsafeJsonProblem } from './json-safety';

describe('unsafeJsonProblem', () => {
  it('accepts ordinary bodies, including non-ASCII text and paired surrogates', () => {
    expect(unsafeJsonProblem({ a: 'héllo 😀', b: [1, { c: 'ü' }], d: null, e: true })).toBeUndefined();
    expect(unsafeJsonProblem(undefined)).toBeUndefined();
  });

  it.each([
    [{ a: 'x\u0000' }, 'a', 'INVALID_STRING'],
    [{ a: { b: ['ok', '\ud800'] } }, 'a.b[1]', 'INVALID_STRING'],
    [{ a: 'x\udc00y' }, 'a', 'INVALID_STRING'],
    [JSON.parse('{"__proto__":{"admin":true}}'), '__proto__', 'FORBIDDEN_KEY'],
    [{ nested: { constructor: { prototype: {} } } }, 'nested.constructor', 'FORBIDDEN_KEY'],
    [{ prototype: 1 }, 'prototype', 'FORBIDDEN_KEY'],
  ])('finds %p at %s (%s)', (value, field, reason) => {
    expect(unsafeJsonProblem(value)).toMatchObject({ field, reason });
  });

  it('finds a NUL in a property name', () => {
    expect(unsafeJsonProblem({ 'a\u0000': 1 })).toMatchObject({ reason: 'INVALID_STRING' });
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH}`, () => {
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_JSON_DEPTH; i++) deep = { a: deep };
    expect(unsafeJsonProblem(deep)).toMatchObject({ reason: 'TOO_DEEP' });
    let ok: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = [ok];
    expect(unsafeJsonProblem(ok)).toBeUndefined();
  });
});

describe('the JSON body parser and header rules, hostile cases', () => {
  const fastify = edgeTestApp([requestIdMiddleware, requestHeaderRules], 100);
  fastify.post('/echo', async (req) => ({ body: req.body ?? null }));
  beforeAll(() => fastify.listen({ port: 0, host: '127.0.0.1' }));
  afterAll(() => fastify.close());
  const app = fastify.server;
  const post = (body: string | Buffer, type = 'application/json') => request(app).post('/echo').set('Content-Type', type).send(body);

  it('uses the configured limit', async () => {
    await post(`{"a":"${'x'.repeat(80)}"}`).expect(200);
    const res = await post(`{"a":"${'x'.repeat(120)}"}`).expect(413);
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', request_id: res.headers['x-request-id'] });
  });

  it('refuses invalid UTF-8 with INVALID_ENCODING (never silently replaced)', async () => {
    {
      const { port } = app.address() as AddressInfo;
      const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
      const answer = await new Promise<{ status?: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/echo',
            headers: { 'content-type': 'application/json', 'content-length': bytes.length },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode, text }));
          },
        );
        req.on('error', reject);
        req.end(bytes);
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error.details).toEqual([expect.objectContaining({ reason: 'INVALID_ENCODING' })]);
    }
  });

  it('refuses a charset other than UTF-8 with 415', async () => {
    await post('{}', 'application/json; charset=iso-8859-1').expect(415);
    await post('{}', 'application/json; charset="UTF-8"').expect(200);
  });

  it('refuses NUL, unpaired surrogates and prototype keys with VALIDATION_ERROR', async () => {
    for (const text of ['{"a":"\\u0000"}', '{"a":"\\ud800"}', '{"__proto__":{"x":1}}', '{"constructor":{}}']) {
      const res = await post(text).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('answers malformed JSON with the parser position but no internals', async () => {
    const res = await post('{"a":1,,}').expect(400);
    expect(res.body.error.details[0].reason).toBe('MALFORMED_JSON');
    expect(JSON.stringify(res.body)).not.toMatch(/node_modules|at \w+ \(/);
  });

  it('checks the Idempotency-Key header: 1-255 printable ASCII', async () => {
    await request(app).post('/echo').set('Idempotency-Key', 'order-1:retry_2').expect(200);
    const long = await request(app).post('/echo').set('Idempotency-Key', 'k'.repeat(256)).expect(400);
    expect(long.body.error.details[0]).toMatchObject({ field: 'Idempotency-Key', reason: 'INVALID_HEADER' });
    await request(app).post('/echo').set('Idempotency-Key', 'caf\u00e9').expect(400);
  });
});
