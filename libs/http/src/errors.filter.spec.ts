import { Controller, Get, INestApplication, Logger, Param, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DomainError } from '@paygate/contracts';
import { MAX_BODY_BYTES, httpAdapter, installEdge, requestIdMiddleware } from './edge-middleware';
import { ErrorsFilter } from './errors.filter';
import { securityHeaders } from './hardening';

@Controller()
class BoomController {
  @Get('boom')
  boom(): never {
    throw new Error('connect ECONNREFUSED postgres://paygate:s3cret@db:5432 at Pool.connect (/srv/node_modules/pg/lib/index.js:12)');
  }

  @Get('type-error')
  typeError(): unknown {
    return (undefined as unknown as { x: { y: number } }).x.y;
  }

  @Get('rejected')
  async rejected(): Promise<never> {
    await Promise.resolve();
    throw 'a bare string with internals';
  }

  @Post('domain/:code')
  domain(@Param('code') code: string): never {
    throw new DomainError(code === 'nf' ? 'NOT_FOUND' : 'VALIDATION_ERROR', 'a message meant for the caller');
  }
}

describe('ErrorsFilter: unexpected errors never leak', () => {
  let app: INestApplication;
  let fastify: NestFastifyApplication;

  beforeAll(async () => {
    const mod = await Test.createTestingModule({ controllers: [BoomController] }).compile();
    app = fastify = mod.createNestApplication<NestFastifyApplication>(httpAdapter(MAX_BODY_BYTES), { logger: false });
    installEdge(fastify.getHttpAdapter().getInstance(), {
      hooks: [requestIdMiddleware, securityHeaders({ hsts: false })],
      bodyLimit: MAX_BODY_BYTES,
    });
    app.useGlobalFilters(new ErrorsFilter());
    await app.init();
    await fastify.getHttpAdapter().getInstance().ready();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterAll(() => app.close());

  it.each(['/boom', '/type-error', '/rejected'])('%s → 500 INTERNAL_ERROR, a generic message, the request id, no details', async (path) => {
    const res = await request(app.getHttpServer()).get(path).set('X-Request-Id', 'req_test_1').expect(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal error', details: [], request_id: 'req_test_1' } });
    expect(res.text).not.toMatch(/s3cret|postgres|node_modules|TypeError|undefined|internals/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it("keeps a domain error's own message and status", async () => {
    const res = await request(app.getHttpServer()).post('/domain/nf').expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'a message meant for the caller' });
  });

  it.each(['/domain/%E0%A4%A', '/domain/%ED%A0%80'])(
    'answers a path that does not decode (%s) with VALIDATION_ERROR in the envelope, after the edge steps',
    async (path) => {
      const res = await request(app.getHttpServer()).post(path).set('X-Request-Id', 'req_bad_url').expect(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', request_id: 'req_bad_url' });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('answers a path parameter over the length limit with VALIDATION_ERROR, not a bare 414', async () => {
    const res = await request(app.getHttpServer())
      .post(`/domain/${'x'.repeat(3000)}`)
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it("keeps Node's bound on how long a request may take to arrive (Fastify's default turns it off)", () => {
    expect((app.getHttpServer() as { requestTimeout: number }).requestTimeout).toBe(300_000);
  });

  it('answers an unknown route with ROUTE_NOT_FOUND in the envelope', async () => {
    const res = await request(app.getHttpServer()).get('/nope').expect(404);
    expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});
