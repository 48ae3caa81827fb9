import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { D } from '@paygate/money';
import { Listeners, type ListenerErrorHandler } from './listeners';
import {
  REAL_INTERVAL_TIMERS,
  type CircuitStateName,
  type Clock,
  type IntervalTimers,
  type RateProvider,
  type RateSnapshot,
} from './types';

export const HTTP_PROVIDER_DEFAULTS = Object.freeze({
  name: 'frankfurter',
  pollMs: 60_000,
  timeoutMs: 5_000,
  /** Four days: a Friday publication is still fresh on Monday afternoon, and through a one-day holiday. */
  maxAgeMs: 4 * 24 * 60 * 60 * 1000,
  halfOpenAfterMs: 30_000,
  consecutiveFailures: 3,
  /** A response dated further in the future than this is rejected (it would look fresh for too long). */
  maxFutureSkewMs: 24 * 60 * 60 * 1000,
});

export interface HttpRateProviderOptions {
  /** Frankfurter-compatible API root, e.g. `https://api.frankfurter.app` or `http://frankfurter:8080/v1`. */
  baseUrl: string;
  name?: string;
  /** Poll period once started (default 60 s). */
  pollMs?: number;
  /** Deadline of one request, headers and body (default 5 s). */
  timeoutMs?: number;
  /** Beyond this age the snapshot is stale (default 4 days: weekends and holidays). */
  maxAgeMs?: number;
  /** How long the circuit stays open before one probe request is let through (default 30 s). */
  halfOpenAfterMs?: number;
  /** Consecutive failed fetches that open the circuit (default 3). */
  consecutiveFailures?: number;
  maxFutureSkewMs?: number;
  /** `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Clock for the future-date check (default `Date.now`). The circuit breaker itself uses `Date.now`. */
  now?: Clock;
  timers?: IntervalTimers;
  onListenerError?: ListenerErrorHandler;
}

/** The response was received but cannot be used as a whole. */
export class RateResponseError extends Error {
  override readonly name = 'RateResponseError';
}

export interface ParsedLatest {
  snapshot: RateSnapshot;
  /** One message per rate entry that was skipped as invalid. */
  skipped: string[];
}

const PIVOT = 'EUR';
const CURRENCY_CODE = /^[A-Z]{3}$/;
/** Positive plain decimal as JSON writes it: no sign, no exponent, no leading zeros. Positivity is checked separately. */
const PLAIN_DECIMAL = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const MAX_RATE_CHARS = 50;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ECB reference rates are published around 16:00 CET, i.e. 15:00 UTC. */
const ECB_PUBLICATION_UTC_HOUR = 15;

/**
 * Parses a Frankfurter v1 `/latest` body (`{"amount":1.0,"base":"EUR","date":"2024-12-31","rates":{"USD":1.0389,…}}`)
 * losslessly: every rate keeps the exact text the server sent (`16820.00` stays `"16820.00"`).
 *
 * Rejects the whole response (RateResponseError) when it is not JSON, has duplicate keys, its base is
 * not EUR, `amount` is not 1, `date` is not a calendar date, the timestamp is invalid or too far in the
 * future, or no rate is valid. Skips (and reports in `skipped`) single entries whose code is not three
 * upper-case letters or whose rate is not a positive plain decimal. `asOf` is the response `date` at
 * 15:00 UTC (ECB publication), unless the body has a unix `timestamp` (seconds).
 */
export function parseFrankfurterLatest(
  text: string,
  provider: string,
  options: { now?: number; maxFutureSkewMs?: number } = {},
): ParsedLatest {
  let body: unknown;
  try {
    body = parseLossless(text);
  } catch (error) {
    throw new RateResponseError(`response is not valid JSON: ${errorMessage(error)}`);
  }
  if (!isPlainObject(body)) throw new RateResponseError('response is not a JSON object');

  if (body.base !== PIVOT) throw new RateResponseError(`response base must be "${PIVOT}", got ${describe(body.base)}`);
  if (body.amount !== undefined) {
    const amount = numberText(body.amount);
    if (amount === undefined || !PLAIN_DECIMAL.test(amount) || !new D(amount).eq(1)) {
      throw new RateResponseError(`response amount must be 1, got ${describe(body.amount)}`);
    }
  }

  const asOf = body.timestamp !== undefined ? timestampDate(body.timestamp) : publicationDate(body.date);
  const now = options.now ?? Date.now();
  const skew = options.maxFutureSkewMs ?? HTTP_PROVIDER_DEFAULTS.maxFutureSkewMs;
  if (asOf.getTime() > now + skew) {
    throw new RateResponseError(`response is dated in the future (${asOf.toISOString()})`);
  }

  if (!isPlainObject(body.rates)) throw new RateResponseError('response has no "rates" object');
  const rates: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [code, raw] of Object.entries(body.rates)) {
    if (code === PIVOT) continue; // the pivot per itself carries no information
    if (!CURRENCY_CODE.test(code)) {
      skipped.push(`${JSON.stringify(code.slice(0, 10))}: not a three-letter upper-case currency code`);
      continue;
    }
    const rate = numberText(raw);
    if (rate === undefined || rate.length > MAX_RATE_CHARS || !PLAIN_DECIMAL.test(rate) || new D(rate).lte(0)) {
      skipped.push(`${code}: rate ${describe(raw)} is not a positive plain decimal`);
      continue;
    }
    rates[code] = rate;
  }
  if (Object.keys(rates).length === 0) {
    throw new RateResponseError(`response has no valid rate${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
  }
  return { snapshot: Object.freeze({ provider, pivot: PIVOT, rates: Object.freeze(rates), asOf }), skipped };
}

/**
 * A Frankfurter-compatible HTTP provider (for real deployments): polls `GET {baseUrl}/latest?base=EUR`
 * every `pollMs`, each request under a timeout and through a circuit breaker (cockatiel,
 * ConsecutiveBreaker: `consecutiveFailures` failed fetches in a row open it; after `halfOpenAfterMs`
 * one probe is let through, which closes it on success or reopens it on failure).
 *
 * A failed fetch (network, timeout, non-2xx, a rejected body) counts as one error and one breaker
 * failure; each skipped invalid rate entry counts as one error too (the rest of the response is used).
 * A snapshot older than the one already held is ignored (a lagging replica behind a load balancer).
 * Every accepted poll is published to the listeners, even when unchanged (a heartbeat).
 */
export class HttpRateProvider implements RateProvider {
  readonly name: string;
  readonly maxAgeMs: number;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly url: string;

  /** Failed fetches plus skipped rate entries, since creation. */
  errors = 0;
  /** Rate entries skipped as invalid, since creation. */
  skippedRates = 0;
  /** Refreshes refused without a request because the circuit was open. */
  shortCircuited = 0;
  lastError?: string;

  private readonly breaker: CircuitBreakerPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly now: Clock;
  private readonly maxFutureSkewMs: number;
  private readonly timers: IntervalTimers;
  private readonly listeners: Listeners<RateSnapshot>;
  private snapshot: RateSnapshot | undefined;
  private timer: unknown;
  private inFlight: Promise<RateSnapshot | undefined> | undefined;

  constructor(options: HttpRateProviderOptions) {
    const d = HTTP_PROVIDER_DEFAULTS;
    this.name = options.name ?? d.name;
    this.pollMs = positive('pollMs', options.pollMs ?? d.pollMs);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? d.timeoutMs);
    this.maxAgeMs = options.maxAgeMs ?? d.maxAgeMs;
    if (!(this.maxAgeMs >= 0)) throw new RangeError(`maxAgeMs must be ≥ 0, got ${this.maxAgeMs}`);
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? d.maxFutureSkewMs;
    const failures = options.consecutiveFailures ?? d.consecutiveFailures;
    if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`consecutiveFailures must be an integer ≥ 1, got ${failures}`);

    let root: URL;
    try {
      root = new URL(options.baseUrl);
    } catch {
      throw new RangeError(`baseUrl must be an absolute URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    if (root.protocol !== 'http:' && root.protocol !== 'https:') throw new RangeError(`baseUrl must be http(s), got ${root.protocol}`);
    root.pathname = `${root.pathname.replace(/\/+$/, '')}/latest`;
    root.search = `?base=${PIVOT}`;
    this.url = root.toString();

    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: positive('halfOpenAfterMs', options.halfOpenAfterMs ?? d.halfOpenAfterMs),
      breaker: new ConsecutiveBreaker(failures),
    });
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? REAL_INTERVAL_TIMERS;
    this.listeners = new Listeners(options.onListenerError);
  }

  latest(): RateSnapshot | undefined {
    return this.snapshot;
  }

  /** Circuit-breaker state (an isolated breaker counts as open). */
  state(): CircuitStateName {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Fetches at once, then every `pollMs`. Idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.timers.setInterval(() => void this.refresh(), this.pollMs);
    void this.refresh();
  }

  /** Stops polling. A request already in flight completes (bounded by the timeout). Idempotent. */
  stop(): void {
    if (this.timer === undefined) return;
    this.timers.clearInterval(this.timer);
    this.timer = undefined;
  }

  onSnapshot(listener: (s: RateSnapshot) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * One poll. Never rejects: resolves to the snapshot now held after a successful fetch, or undefined
   * when the fetch failed or the circuit is open (see `errors`, `lastError`, `state()`). Concurrent
   * calls share the request in flight.
   */
  refresh(): Promise<RateSnapshot | undefined> {
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async poll(): Promise<RateSnapshot | undefined> {
    let parsed: ParsedLatest;
    try {
      parsed = await this.breaker.execute(() => this.fetchLatest());
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        this.shortCircuited++;
        return undefined;
      }
      this.errors++;
      this.lastError = errorMessage(error);
      return undefined;
    }
    if (parsed.skipped.length > 0) {
      this.errors += parsed.skipped.length;
      this.skippedRates += parsed.skipped.length;
      this.lastError = `skipped ${parsed.skipped.length} invalid rate(s): ${parsed.skipped.join('; ')}`;
    }
    const current = this.snapshot;
    if (current !== undefined && parsed.snapshot.asOf.getTime() < current.asOf.getTime()) return current;
    this.snapshot = parsed.snapshot;
    this.listeners.emit(parsed.snapshot);
    return parsed.snapshot;
  }

  private async fetchLatest(): Promise<ParsedLatest> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetchImpl(this.url, { signal, headers: { accept: 'application/json' } });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`HTTP ${response.status} from ${this.url}`);
      }
      const text = await response.text();
      return parseFrankfurterLatest(text, this.name, { now: this.now(), maxFutureSkewMs: this.maxFutureSkewMs });
    } catch (error) {
      if (signal.aborted) throw new Error(`timeout after ${this.timeoutMs} ms fetching ${this.url}`);
      throw error;
    }
  }
}

function positive(label: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${label} must be a positive number of ms, got ${value}`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/** The exact text of a JSON number, or of a JSON string (some APIs quote rates); undefined otherwise. */
function numberText(value: unknown): string | undefined {
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'string') return value;
  return undefined;
}

function publicationDate(value: unknown): Date {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day, ECB_PUBLICATION_UTC_HOUR));
    // Date.UTC rolls 2024-02-30 over to March: a round trip catches impossible dates.
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) return date;
  }
  throw new RateResponseError(`response date must be a calendar date YYYY-MM-DD, got ${describe(value)}`);
}

function timestampDate(value: unknown): Date {
  const text = numberText(value);
  if (text !== undefined && /^[0-9]{1,12}$/.test(text)) return new Date(Number(text) * 1000);
  throw new RateResponseError(`response timestamp must be unix seconds, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (isLosslessNumber(value)) return value.value;
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
