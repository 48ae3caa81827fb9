import type { NextFunction, Request, Response } from 'express';
import { SeedMetrics, UNMATCHED_ROUTE } from './seed-metrics';

/**
 * Express middleware: seed metrics for every HTTP request, including ones no route matched and
 * ones rejected before a handler (body errors, auth). FAILED = HTTP status ≥ 400, as in the seed.
 */
export function httpMetricsMiddleware(seed: SeedMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' ? `${req.baseUrl}${template}` : UNMATCHED_ROUTE;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      seed.observe(req.method, route, res.statusCode < 400, String(res.statusCode), seconds);
    });
    next();
  };
}
