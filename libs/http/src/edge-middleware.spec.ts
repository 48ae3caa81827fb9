import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Logger } from '@nestjs/common';
import { DomainError } from '@paygate/contracts';
import { MAX_BODY_BYTES, edgeError, requestIdMiddleware } from './edge-middleware';
import { edgeTestApp } from './edge-test-app';
import { EdgeRequest } from './http-context';

const fastify = edgeTestApp([requestIdMiddleware]);
fastify.post('/echo', async (req) => ({ body: req.body ?? null }));
fastify.get('/echo', async (req) => ({ body: req.body ?? null, requestId: (req as EdgeRequest).raw.requestId }));
beforeAll(() => fastify.listen({ port: 0, host: '127.0.0.1' }));
afterAll(() => fastify.close());

const app = fastify.server;
const postJson = (text: string) => request(app).post('/echo').set('Content-Type', 'application/json').send(text);

describe('the lossless JSON body parser', () => {
  it('keeps a number exactly as sent, as its source text', async () => {
    const res = await postJson('{"amount":123.4500000000000001}').expect(200);
    expect(res.body).toEqual({ body: { amount: '123.4500000000000001' } });
  });

  it('keeps exponent notation, signs and trailing zeros, also inside arrays', async () => {
    const res = await postJson('{"a":1e2,"b":-0.10,"c":[1,2.50]}').expect(200);
    expect(res.body.body).toEqual({ a: '1e2', b: '-0.10', c: ['1', '2.50'] });
  });

  it('leaves strings, booleans, null and nested objects unchanged', async () => {
    const body = { s: 'text "quoted" ü', t: true, f: false, n: null, nested: { deep: { list: ['x', null, { y: 'z' }] } } };
    const res = await postJson(JSON.stringify(body)).expect(200);
    expect(res.body.body).toEqual(body);
  });

  it('accepts application/*+json and a charset parameter', async () => {
    await request(app)
      .post('/echo')
      .set('Content-Type', 'application/merge-patch+json')
      .send('{"x":1}')
      .expect(200, { body: { x: '1' } });
    await request(app)
      .post('/echo')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send('{"x":1}')
      .expect(200, { body: { x: '1' } });
  });

  it('treats a whitespace-only JSON body as no body', async () => {
    await postJson('  \n').expect(200, { body: null });
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a non-JSON body', async () => {
    const res = await request(app).post('/echo').set('Content-Type', 'text/plain').send('amount=1').expect(415);
    expect(res.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', request_id: res.headers['x-request-id'] });
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MiB', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await postJson(big).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a chunked body (no Content-Length) once it passes 1 MiB', async () => {
    {
      const { port } = app.address() as AddressInfo;
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/echo',
          headers: { 'content-type': 'application/json' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(256 * 1024, 'x');
        for (let i = 0; i < 5; i++) req.write(chunk);
        req.end();
      });
      expect(status).toBe(413);
    }
  });

  it('accepts a body of just under 1 MiB', async () => {
    const pad = 'x'.repeat(MAX_BODY_BYTES - 20);
    const res = await postJson(JSON.stringify({ pad })).expect(200);
    expect(res.body.body.pad).toHaveLength(pad.length);
  });

  it('answers 400 VALIDATION_ERROR for malformed JSON', async () => {
    const res = await postJson('{"amount": 1,').expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [expect.objectContaining({ reason: 'MALFORMED_JSON' })] });
  });

  it('passes a GET without a body straight through', async () => {
    await request(app)
      .get('/echo')
      .expect(200)
      .expect((res) => expect(res.body.body).toBeNull());
  });
});

describe('requestIdMiddleware', () => {
  const GENERATED = /^req_[0-9a-f]{32}$/;

  it('echoes a sane X-Request-Id and exposes it on the request', async () => {
    const res = await request(app).get('/echo').set('X-Request-Id', 'abc-123_x.y:z').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123_x.y:z');
    expect(res.body.requestId).toBe('abc-123_x.y:z');
  });

  it('generates an id when none is sent', async () => {
    const res = await request(app).get('/echo').expect(200);
    expect(res.headers['x-request-id']).toMatch(GENERATED);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it.each([
    ['containing spaces', 'has space'],
    ['too long', 'a'.repeat(129)],
  ])('replaces an id %s', async (_why, given) => {
    const res = await request(app).get('/echo').set('X-Request-Id', given).expect(200);
    expect(res.headers['x-request-id']).toMatch(GENERATED);
  });

  it('generates a fresh id per request', async () => {
    const [a, b] = await Promise.all([request(app).get('/echo'), request(app).get('/echo')]);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('installEdge: the steps on every request', () => {
  const seen: Array<{ url?: string; route?: unknown }> = [];
  const edge = edgeTestApp([
    requestIdMiddleware,
    (req, _res, next) => {
      seen.push({ url: req.url, route: req.route?.path });
      next();
    },
    (req, res, next) => {
      if (req.url !== '/stop') return next();
      res.statusCode = 418;
      res.end('answered by a step');
    },
  ]);
  let handled = 0;
  edge.get('/items/:id', async () => {
    handled += 1;
    return { ok: true };
  });
  edge.get('/stop', async () => {
    handled += 1;
    return { ok: false };
  });
  beforeAll(() => edge.ready());
  afterAll(() => edge.close());

  it('gives each step the matched route template, and none for an unmatched path', async () => {
    await request(edge.server).get('/items/42?x=1').expect(200);
    await request(edge.server).get('/nowhere').expect(404);
    expect(seen).toEqual([
      { url: '/items/42?x=1', route: '/items/:id' },
      { url: '/nowhere', route: undefined },
    ]);
  });

  it('stops at a step that answers: the handler does not run and Fastify does not answer again', async () => {
    const before = handled;
    const res = await request(edge.server).get('/stop').expect(418);
    expect(res.text).toBe('answered by a step');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(handled).toBe(before);
  });
});

describe('edgeError: what fails before a handler, in the one error model', () => {
  const fastifyError = (code: string, statusCode: number, message = 'from Fastify') =>
    Object.assign(new Error(message), { code, statusCode });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_BAD_URL', 400, 'VALIDATION_ERROR'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'VALIDATION_ERROR'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'VALIDATION_ERROR'],
  ])('%s (%d) → %s', (code, status, mapped) => {
    expect(edgeError(fastifyError(code, status)).code).toBe(mapped);
  });

  it('keeps a domain error as it is, and hides anything else behind INTERNAL_ERROR', () => {
    const domain = new DomainError('NOT_FOUND', 'no such thing');
    expect(edgeError(domain)).toBe(domain);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(edgeError(fastifyError('FST_ERR_SOMETHING_ELSE', 500, 'internal detail'))).toMatchObject({
      code: 'INTERNAL_ERROR',
      message: 'Internal error',
    });
    expect(edgeError(new Error('ECONNRESET at db:5432'))).toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});
