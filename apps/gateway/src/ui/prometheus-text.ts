/**
 * Framework-free reading of a service's `/metrics` text for the dashboard page: the seed's two
 * metrics (`payment_requests_total`, `payment_request_duration_seconds`) summed over the routes
 * callers use, leaving out plumbing (scrapes, health checks, docs, the page itself) so a page
 * left open does not chart its own polling.
 */

/** What the page needs of one service: cumulative counters only (rates are computed in the browser). */
export interface ServiceTraffic {
  /** Requests handled (HTTP and RPC), plumbing excluded. */
  requests: number;
  /** Of which FAILED (HTTP status ≥ 400, or an RPC error). */
  failed: number;
  /** Cumulative latency histogram: one count per bound of `bounds`, then +Inf. */
  latency: number[];
}

const PLUMBING = /^\/(metrics|healthz|livez|docs|ui\/|$)/;

/** Routes that are not traffic: `/metrics`, `/healthz`, `/livez`, `/docs*`, `/` and `/ui/*`. */
export function isPlumbingRoute(route: string): boolean {
  return PLUMBING.test(route);
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const m of text.matchAll(LABEL)) out[m[1]] = m[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

/** Sums the seed metrics of one exposition (text format 0.0.4) into the page's numbers. */
export function trafficFromMetrics(text: string, bounds: readonly number[]): ServiceTraffic {
  const out: ServiceTraffic = { requests: 0, failed: 0, latency: new Array<number>(bounds.length + 1).fill(0) };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const [, name, labelText, valueText] = m;
    if (name !== 'payment_requests_total' && name !== 'payment_request_duration_seconds_bucket') continue;
    const value = Number(valueText);
    if (!Number.isFinite(value)) continue;
    const labels = labelsOf(labelText);
    if (labels.route !== undefined && isPlumbingRoute(labels.route)) continue;
    if (name === 'payment_requests_total') {
      out.requests += value;
      if (labels.status === 'FAILED') out.failed += value;
      continue;
    }
    const i = labels.le === '+Inf' ? bounds.length : bounds.indexOf(Number(labels.le));
    if (i >= 0) out.latency[i] += value;
  }
  return out;
}
