import { Counter, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds): 1 ms … 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label of every path no route matched: unmatched paths collapse to one value. */
export const UNMATCHED_ROUTE = '<unmatched>';

/**
 * The seed's two metrics, with the seed's names and labels, so its PromQL works unchanged:
 * `payment_requests_total{service,method,route,status,code}` (status OK|FAILED) and
 * `payment_request_duration_seconds{service,method,route}`. HTTP requests carry the HTTP method
 * and route template; RPC messages carry method="RPC" and the message pattern as route.
 */
export class SeedMetrics {
  readonly requests: Counter<'service' | 'method' | 'route' | 'status' | 'code'>;
  readonly duration: Histogram<'service' | 'method' | 'route'>;

  constructor(
    readonly service: string,
    registry: Registry,
  ) {
    this.requests = new Counter({
      name: 'payment_requests_total',
      help: 'Requests handled, by service, method, route template, outcome (OK|FAILED) and code',
      labelNames: ['service', 'method', 'route', 'status', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'payment_request_duration_seconds',
      help: 'Request handling time in seconds, by service, method and route template',
      labelNames: ['service', 'method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  /**
   * Request ids of this service's HTTP requests in progress. A backend service's HTTP route is
   * forwarded to its own message handler: that hop is the same request, counted once (as HTTP).
   */
  private readonly httpInFlight = new Map<string, number>();

  httpStarted(requestId: string): void {
    this.httpInFlight.set(requestId, (this.httpInFlight.get(requestId) ?? 0) + 1);
  }

  httpEnded(requestId: string): void {
    const n = (this.httpInFlight.get(requestId) ?? 0) - 1;
    if (n > 0) this.httpInFlight.set(requestId, n);
    else this.httpInFlight.delete(requestId);
  }

  /** True when a message carries the id of an HTTP request this service is serving: its own forward. */
  isOwnForward(requestId: string | undefined): boolean {
    return requestId !== undefined && this.httpInFlight.has(requestId);
  }

  observe(method: string, route: string, ok: boolean, code: string, seconds: number): void {
    const labels = { service: this.service, method, route };
    this.requests.inc({ ...labels, status: ok ? 'OK' : 'FAILED', code });
    this.duration.observe(labels, seconds);
  }
}
