import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { httpMetricsMiddleware } from './http-metrics';
import { SeedMetrics, UNMATCHED_ROUTE } from './seed-metrics';

function exchange(path: string, status: number, route?: string) {
  const res = Object.assign(new EventEmitter(), { statusCode: status });
  const req = { url: path, method: 'GET', route: route ? { path: route } : undefined };
  return { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse };
}

describe('httpMetricsMiddleware', () => {
  it('counts each request once with its route template; unmatched paths collapse; /metrics scrapes are not counted', async () => {
    const registry = new Registry();
    const seed = new SeedMetrics('gateway', registry);
    const mw = httpMetricsMiddleware(seed);
    const next = (): void => undefined;
    for (const [path, status, route] of [
      ['/payments/P1', 200, '/payments/:id'],
      ['/payments/P2', 404, '/payments/:id'],
      ['/nope', 404, undefined],
      ['/metrics', 200, '/metrics'],
    ] as const) {
      const { req, res } = exchange(path, status, route);
      mw(req, res, next);
      res.emit('finish');
    }
    const counts = (await seed.requests.get()).values.map((v) => [v.labels.route, v.labels.status, v.labels.code, v.value]);
    expect(counts).toEqual([
      ['/payments/:id', 'OK', '200', 1],
      ['/payments/:id', 'FAILED', '404', 1],
      [UNMATCHED_ROUTE, 'FAILED', '404', 1],
    ]);
  });
});
