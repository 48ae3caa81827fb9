import helmet from 'helmet';
import { DomainError } from '@paygate/contracts';
import type { EdgeHook } from './edge-middleware';
import { headerOf, writeError } from './http-context';
import { contentSecurityPolicy } from './security';

/** HTTP hardening of every service port, from the runtime configuration. */
export interface HardeningSettings {
  /** Largest accepted request body, in bytes (BODY_LIMIT). */
  bodyLimitBytes: number;
  /** Browser origins allowed to call the API (CORS_ORIGINS); empty: no CORS headers at all. */
  corsOrigins: string[];
  /** Send `Strict-Transport-Security` (HSTS): only when clients reach us over TLS. */
  hsts: boolean;
  /** Grafana (GRAFANA_URL): the dashboard page at `/` frames its origin, with its own CSP. */
  grafanaUrl?: string;
}

export const DEFAULT_HARDENING: HardeningSettings = { bodyLimitBytes: 1024 * 1024, corsOrigins: [], hsts: false };

const SIZE = /^\s*(\d+)\s*(b|kb|kib|mb|mib)?\s*$/i;
const UNIT: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 * 1024, mib: 1024 * 1024 };

/** `"100kb"` → 102400, `"1mb"` → 1048576, `"512"` → 512; undefined for anything else. */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNIT[(m[2] ?? 'b').toLowerCase()];
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** `"https://a.example, http://localhost:3000"` → exact origins (scheme://host[:port]); throws on junk. */
export function parseCorsOrigins(text: string | undefined): string[] {
  if (!text || text.trim() === '') return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new Error(`CORS_ORIGINS: "${s}" is not an origin like https://app.example.com`);
      }
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || s.includes('*') || u.origin !== s.replace(/\/$/, '')) {
        throw new Error(`CORS_ORIGINS: "${s}" is not an origin like https://app.example.com (no path, no wildcard)`);
      }
      return u.origin;
    });
}

/**
 * Security headers on every response (helmet): nosniff, `X-Frame-Options: DENY`, no referrer,
 * same-origin opener/resource policies, no DNS prefetch, HSTS only when configured (behind TLS),
 * and the strict Content-Security-Policy (the dashboard page at `/` replaces it with its own,
 * which frames the Grafana origin once Grafana answers).
 */
export function securityHeaders(s: Pick<HardeningSettings, 'hsts'>): EdgeHook {
  const csp = contentSecurityPolicy();
  const h = helmet({
    contentSecurityPolicy: false,
    strictTransportSecurity: s.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xPoweredBy: false,
  });
  // helmet's headers depend only on its options: taken once here, then set as they are on every
  // answer (running helmet's dozen middlewares per request cost more than the request itself).
  const headers: Array<[string, string]> = [['Content-Security-Policy', csp]];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let done = false;
  h({} as never, recorder as never, () => {
    done = true;
  });
  if (!done) throw new Error('securityHeaders: helmet did not finish synchronously');
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, X-API-Key, Content-Type, Idempotency-Key, X-Request-Id, traceparent, tracestate';
const EXPOSED_HEADERS =
  'X-Request-Id, Idempotent-Replayed, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy';

/**
 * CORS from an allow-list of exact origins. An empty list adds nothing (same-origin only). An
 * allowed origin gets `Access-Control-Allow-Origin: <origin>` (never `*`, no credentials: keys
 * travel in headers); its preflight is answered here with 204, before any API-key check.
 * A preflight from any other origin gets 204 without CORS headers, so the browser refuses.
 */
export function corsAllowList(origins: readonly string[]): EdgeHook {
  const allowed = new Set(origins);
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    const origin = headerOf(req, 'origin');
    const preflight = req.method === 'OPTIONS' && headerOf(req, 'access-control-request-method') !== undefined;
    const vary = res.getHeader('Vary');
    if (vary === undefined) res.setHeader('Vary', 'Origin');
    else if (!/(^|,)\s*origin\s*(,|$)/i.test(String(vary))) res.setHeader('Vary', `${String(vary)}, Origin`);
    const ok = origin !== undefined && allowed.has(origin);
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    if (!preflight) return next();
    if (ok) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.setHeader('Content-Length', '0');
    res.statusCode = 204;
    res.end();
  };
}

/** Printable ASCII, 1-255 characters (Stripe's rule): what an `Idempotency-Key` may be. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * Request headers the services store or echo, checked before any work: an `Idempotency-Key`
 * must be 1-255 printable ASCII characters (it is stored with the answer it replays).
 */
export const requestHeaderRules: EdgeHook = (req, res, next) => {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return next();
  if (Array.isArray(key) || !IDEMPOTENCY_KEY.test(key)) {
    const message = 'Idempotency-Key must be 1-255 printable ASCII characters';
    return writeError(
      res,
      new DomainError('VALIDATION_ERROR', message, [{ field: 'Idempotency-Key', reason: 'INVALID_HEADER', message }]),
      req.requestId,
    );
  }
  next();
};
