import { Listeners, type ListenerErrorHandler } from './listeners';
import {
  REAL_INTERVAL_TIMERS,
  type CircuitStateName,
  type Clock,
  type IntervalTimers,
  type ProviderState,
  type RateProvider,
  type RateSnapshot,
} from './types';

/** A fresh snapshot to convert with, or (stale) the freshest one there is, which callers must refuse: RATE_STALE. */
export type CurrentRates = { snapshot: RateSnapshot; stale: false } | { snapshot?: RateSnapshot; stale: true };

/** A snapshot published by the book, numbered in publication order (1, 2, 3, …). */
export interface RateTick {
  seq: number;
  snapshot: RateSnapshot;
}

export interface ProviderStatus {
  name: string;
  state: ProviderState;
  /** Age of its latest snapshot (0 when dated in the future), or null before the first one. */
  ageMs: number | null;
  /** Infinity for a dated reference that never goes stale (serialises to null in JSON). */
  maxAgeMs: number;
  errors: number;
  /** True for the provider `current()` serves from; false for every provider when none is fresh. */
  active: boolean;
  /** Circuit-breaker state, for providers that have one. */
  circuit?: CircuitStateName;
  lastError?: string;
}

export interface RateBookOptions {
  /** Clock for ages (default `Date.now`). */
  now?: Clock;
  /**
   * Period of the failover check started by `start()` (default 1000 ms): when the active provider
   * changes without emitting (the live feed went silent, so the HTTP provider or the reference takes
   * over), the new active provider's latest snapshot is published as a tick.
   */
  checkMs?: number;
  timers?: IntervalTimers;
  onListenerError?: ListenerErrorHandler;
}

/**
 * The providers in priority order, which is also the failover order. A provider is usable when its
 * circuit is not open and its latest snapshot is fresh (age ≤ its maxAgeMs); the book serves the
 * first usable one. When none is usable it never silently serves an old rate: `current()` says
 * `stale: true`.
 */
export class RateBook {
  readonly providers: readonly RateProvider[];
  private readonly now: Clock;
  private readonly checkMs: number;
  private readonly timers: IntervalTimers;
  private readonly listeners: Listeners<RateTick>;
  private readonly unsubscribes: Array<() => void>;
  private seq = 0;
  private lastPublished: RateSnapshot | undefined;
  private timer: unknown;

  constructor(providers: readonly RateProvider[], options: RateBookOptions = {}) {
    if (providers.length === 0) throw new RangeError('a rate book needs at least one provider');
    const names = new Set(providers.map((p) => p.name));
    if (names.size !== providers.length) throw new RangeError(`provider names must be unique: ${providers.map((p) => p.name).join(', ')}`);
    this.providers = Object.freeze([...providers]);
    this.now = options.now ?? Date.now;
    this.checkMs = options.checkMs ?? 1000;
    if (!Number.isFinite(this.checkMs) || this.checkMs <= 0) throw new RangeError(`checkMs must be > 0, got ${this.checkMs}`);
    this.timers = options.timers ?? REAL_INTERVAL_TIMERS;
    this.listeners = new Listeners(options.onListenerError);
    this.unsubscribes = this.providers.map((provider) => provider.onSnapshot((snapshot) => this.onProviderSnapshot(provider, snapshot)));
  }

  /** The snapshot to convert with: the first usable provider's, else the freshest stale one (or none). */
  current(now: number = this.now()): CurrentRates {
    const active = this.active(now);
    if (active) return { snapshot: active.latest()!, stale: false };
    let freshest: RateSnapshot | undefined;
    for (const provider of this.providers) {
      const snapshot = provider.latest();
      if (snapshot && (!freshest || snapshot.asOf.getTime() > freshest.asOf.getTime())) freshest = snapshot;
    }
    return freshest ? { snapshot: freshest, stale: true } : { stale: true };
  }

  /** The provider `current()` serves from, or undefined when none is usable. */
  active(now: number = this.now()): RateProvider | undefined {
    return this.providers.find((provider) => !isOpen(provider) && isFresh(provider, now));
  }

  /** True iff some provider is usable (its circuit not open and its snapshot fresh). */
  healthy(now: number = this.now()): boolean {
    return this.active(now) !== undefined;
  }

  status(now: number = this.now()): ProviderStatus[] {
    const active = this.active(now);
    return this.providers.map((provider) => {
      const snapshot = provider.latest();
      const circuit = provider.state?.();
      let state: ProviderState;
      if (circuit === 'open') state = 'open';
      else if (!snapshot) state = 'empty';
      else state = isFresh(provider, now) ? 'up' : 'stale';
      const status: ProviderStatus = {
        name: provider.name,
        state,
        ageMs: snapshot ? Math.max(0, now - snapshot.asOf.getTime()) : null,
        maxAgeMs: provider.maxAgeMs,
        errors: provider.errors ?? 0,
        active: provider === active,
      };
      if (circuit !== undefined) status.circuit = circuit;
      if (provider.lastError !== undefined) status.lastError = provider.lastError;
      return status;
    });
  }

  /**
   * Subscribe to the snapshots of the active provider (the live feed's ticks while it is fresh), each
   * with a book-assigned, strictly increasing `seq`. Snapshots of providers that are not active are
   * not forwarded. Returns an unsubscribe function.
   */
  onTick(listener: (tick: RateTick) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Failover check (run every `checkMs` once started; tests call it directly): if the active
   * provider's latest snapshot has not been published yet — it just took over without emitting —
   * publish it. Returns the active provider's name, if any.
   */
  checkFailover(now: number = this.now()): string | undefined {
    const active = this.active(now);
    const snapshot = active?.latest();
    if (snapshot && snapshot !== this.lastPublished) this.publish(snapshot);
    return active?.name;
  }

  /** Starts every provider and the failover check. Idempotent. */
  start(): void {
    for (const provider of this.providers) provider.start();
    if (this.timer === undefined) this.timer = this.timers.setInterval(() => this.checkFailover(), this.checkMs);
  }

  /** Stops the failover check and every provider. Idempotent. */
  stop(): void {
    if (this.timer !== undefined) {
      this.timers.clearInterval(this.timer);
      this.timer = undefined;
    }
    for (const provider of this.providers) provider.stop();
  }

  /** Stops everything and detaches from the providers; the book publishes nothing afterwards. */
  close(): void {
    this.stop();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  private onProviderSnapshot(provider: RateProvider, snapshot: RateSnapshot): void {
    if (snapshot !== provider.latest()) return;
    if (this.active() === provider) this.publish(snapshot);
  }

  private publish(snapshot: RateSnapshot): void {
    if (snapshot === this.lastPublished) return;
    this.lastPublished = snapshot;
    this.listeners.emit({ seq: ++this.seq, snapshot });
  }
}

function isOpen(provider: RateProvider): boolean {
  return provider.state?.() === 'open';
}

function isFresh(provider: RateProvider, now: number): boolean {
  const snapshot = provider.latest();
  return snapshot !== undefined && now - snapshot.asOf.getTime() <= provider.maxAgeMs;
}
