import type { IncomingMessage, ServerResponse } from 'node:http';
import { SeedMetrics, UNMATCHED_ROUTE } from './seed-metrics';

/** Where every service serves its metrics. */
export const METRICS_PATH = '/metrics';

/**
 * An edge step (on Node's request and response): seed metrics for every HTTP request, including
 * ones no route matched and ones rejected before a handler (body errors, auth). FAILED = HTTP
 * status ≥ 400, as in the seed.
 * Scrapes of /metrics itself are not counted: the scraper is not traffic, and counting it would
 * make "requests sent = requests counted" false under Prometheus.
 */
export function httpMetricsMiddleware(seed: SeedMetrics) {
  return (req: IncomingMessage & { requestId?: unknown; route?: { path?: unknown } }, res: ServerResponse, next: () => void): void => {
    const url = req.url ?? '';
    if (url === METRICS_PATH || url.startsWith(`${METRICS_PATH}?`)) return next();
    const start = process.hrtime.bigint();
    const requestId = req.requestId;
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
      const template = req.route?.path;
      const route = typeof template === 'string' ? template : UNMATCHED_ROUTE;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      seed.observe(req.method ?? 'GET', route, res.statusCode < 400, String(res.statusCode), seconds);
    });
    next();
  };
}
