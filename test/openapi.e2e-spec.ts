import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { ALL_ROUTES, openApiPath } from '@paygate/contracts';
import { edgeRoutes } from '@paygate/http';
import { TestEnvironment, monolithEnvironment } from './support/environments';

/** Paths that are public plumbing, not API operations (documented in README, not in OpenAPI). */
const PLUMBING = /^\/(healthz|livez|metrics|docs)/;

function registeredRoutes(env: TestEnvironment): Set<string> {
  const fastify = env.apps.gateway.getHttpAdapter().getInstance() as FastifyInstance;
  const out = new Set<string>();
  for (const r of edgeRoutes(fastify)) {
    // HEAD: Fastify answers it for every GET route on its own.
    if (PLUMBING.test(r.path) || r.method === 'HEAD') continue;
    out.add(`${r.method} ${openApiPath(r.path)}`);
  }
  return out;
}

describe('OpenAPI document vs the routes the gateway serves', () => {
  let env: TestEnvironment;
  let doc: {
    paths: Record<
      string,
      Record<
        string,
        {
          operationId: string;
          responses: Record<string, { content?: Record<string, { schema: { $ref?: string; oneOf?: Array<{ $ref: string }> } }> }>;
          security?: unknown[];
        }
      >
    >;
  };

  beforeAll(async () => {
    env = await monolithEnvironment();
    doc = (await request(env.urls.gateway).get('/docs-json').expect(200)).body;
  }, 180_000);
  afterAll(() => env?.close());

  it('documents exactly the registered routes', () => {
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path}`);
    expect([...documented].sort()).toEqual([...registeredRoutes(env)].sort());
  });

  it('covers every route of the table with its operation id, success schema, error envelope and key security', () => {
    for (const r of ALL_ROUTES) {
      const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
      expect(op).toBeDefined();
      expect(op.operationId).toBe(r.operationId);
      expect(op.responses[String(r.successStatus)].content?.['application/json'].schema.$ref).toBe(
        `#/components/schemas/${r.response.name}`,
      );
      const envelope = '#/components/schemas/ErrorEnvelopeDto';
      const bad = op.responses['400'].content?.['application/json'].schema ?? {};
      if (r.outcome?.some((o) => o.status === 400)) {
        // A FAILED payment is a 400 carrying the payment; a validation error is a 400 envelope.
        expect(bad.oneOf).toEqual([{ $ref: `#/components/schemas/${r.response.name}` }, { $ref: envelope }]);
      } else {
        expect(bad.$ref).toBe(envelope);
      }
      for (const o of r.outcome ?? []) expect(op.responses[String(o.status)]).toBeDefined();
      expect(op.responses['401']).toBeDefined();
      expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await request(env.urls.gateway).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
  });
});
