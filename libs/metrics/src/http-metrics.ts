import type { NextFunction, Request, Response } from 'express';
import { SeedMetrics, UNMATCHED_ROUTE } from './seed-metrics';

/** Where every service serves its metrics. */
export const METRICS_PATH = '/metrics';

/**
 * Express middleware: seed metrics for every HTTP request, including ones no route matched and
 * ones rejected before a handler (body errors, auth). FAILED = HTTP status ≥ 400, as in the seed.
 * Scrapes of /metrics itself are not counted: the scraper is not traffic, and counting it would
 * make "requests sent = requests counted" false under Prometheus.
 */
export function httpMetricsMiddleware(seed: SeedMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === METRICS_PATH) return next();
    const start = process.hrtime.bigint();
    const requestId = (req as { requestId?: unknown }).requestId;
    if (typeof requestId === 'string') {
      seed.httpStarted(requestId);
      let ended = false;
      const end = () => {
        if (!ended) seed.httpEnded(requestId);
        ended = true;
      };
      res.on('finish', end);
      res.on('close', end);
    }
    res.on('finish', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' ? `${req.baseUrl}${template}` : UNMATCHED_ROUTE;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      seed.observe(req.method, route, res.statusCode < 400, String(res.statusCode), seconds);
    });
    next();
  };
}
