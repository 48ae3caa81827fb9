/**
 * FX rate providers: one interface for the live feed, the HTTP (Frankfurter-compatible) provider and
 * the bundled ECB reference. Framework-free: plain classes, injectable clocks and timers.
 *
 * Rule: a JS number never holds a rate. Rates are exact decimal strings (or `D` instances while
 * computing).
 */

/** A full set of rates against one pivot currency, as published by one provider at one time. */
export interface RateSnapshot {
  /** Name of the provider that produced it (`RateProvider.name`). */
  provider: string;
  /** The currency every rate is quoted against (EUR for all built-in providers). */
  pivot: string;
  /** Units of each currency per 1 pivot, exact plain decimal strings. The pivot itself is not listed. */
  rates: Record<string, string>;
  /** When the rates were set (tick time, or the publication time of a daily reference). */
  asOf: Date;
}

/** Circuit-breaker state of a provider that fetches remotely. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

export interface RateProvider {
  readonly name: string;
  /** Beyond this age its snapshot is stale and must not be used for conversions. */
  readonly maxAgeMs: number;
  /** The latest snapshot it has (may be old), or undefined before the first one. */
  latest(): RateSnapshot | undefined;
  /** Starts background refresh (timers); stop() ends it. Both idempotent. */
  start(): void;
  stop(): void;
  /** Subscribe to new snapshots (ticks). Returns an unsubscribe function. */
  onSnapshot(listener: (s: RateSnapshot) => void): () => void;

  /** Circuit-breaker state, for providers that have one (a provider without one is always usable). */
  state?(): CircuitStateName;
  /** Number of failures (failed fetches, rejected responses) since it was created. */
  readonly errors?: number;
  /** Message of the most recent failure. */
  readonly lastError?: string;
}

/**
 * Health of one provider as seen by the rate book:
 * - `up`: its latest snapshot is fresh (age ≤ maxAgeMs) and its circuit is not open
 * - `stale`: it has a snapshot, but older than maxAgeMs
 * - `open`: its circuit breaker is open (its snapshot, fresh or not, is not used)
 * - `empty`: no snapshot yet
 */
export type ProviderState = 'up' | 'stale' | 'open' | 'empty';

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number;

/** The two timer functions providers use; injectable so tests can drive time. */
export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Real timers; the handles are unref'd so a provider never keeps the process alive on its own. */
export const REAL_INTERVAL_TIMERS: IntervalTimers = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};
