import { D, type Decimal } from '@paygate/money';
import { ECB_REFERENCE_SNAPSHOT } from '../ecb-snapshot.data';
import { Listeners, type ListenerErrorHandler } from './listeners';
import { sfc32 } from './prng';
import { REAL_INTERVAL_TIMERS, type Clock, type IntervalTimers, type RateProvider, type RateSnapshot } from './types';

export interface LiveFeedProviderOptions {
  /** Provider name (default `'live-feed'`). */
  name?: string;
  /** PRNG seed: the same seed and the same number of ticks give identical rates (default `'paygate'`). */
  seed?: string;
  /** Tick period of the background timer started by `start()` (default 1000 ms). */
  tickMs?: number;
  /** Standard deviation of each currency's per-tick relative shock, in basis points (default 5, at most 1000). */
  volatilityBps?: number;
  /**
   * Fraction of the distance to the anchor pulled back every tick, a decimal in [0, 1] (default
   * `'0.01'`: 1 % per tick). Keeps the market oscillating around the anchor instead of drifting away.
   */
  meanReversion?: string | number;
  /** Significant digits of the published rates, like a market feed (default 6). */
  significantDigits?: number;
  /** Rates the market starts from and reverts to (default: the bundled ECB reference snapshot). */
  anchor?: { pivot: string; rates: Record<string, string> };
  /** Beyond this age the feed is stale (default 5 × tickMs: five missed ticks). */
  maxAgeMs?: number;
  /** Clock for `asOf` (default `Date.now`). */
  now?: Clock;
  /** Interval timers (default: real, unref'd). */
  timers?: IntervalTimers;
  onListenerError?: ListenerErrorHandler;
}

/** 2^24: shocks use 24 random bits per uniform draw, so `n / 2^24` is an exact decimal of ≤ 24 places. */
const UNIFORM_SCALE = 2 ** 24;
/** Irwin–Hall: the sum of 12 uniforms on [0, 1) minus 6 has mean 0 and variance 1, bounded to (−6, 6). */
const UNIFORMS_PER_SHOCK = 12;

/**
 * A seeded simulated market anchored on a base snapshot (the demo's default, "live" provider).
 *
 * Every tick each currency's rate per pivot moves as
 *   r' = r + κ·(anchor − r) + r·σ·z
 * with σ = volatilityBps / 10 000, κ = meanReversion and z an approximately standard-normal shock
 * (Irwin–Hall of 12 seeded uniforms, so |z| < 6). Everything is computed with `D`: the PRNG yields
 * 32-bit integers and a uniform is the exact decimal `(n >>> 8) / 2^24`; no float ever holds a rate.
 * Each new rate is rounded half-even to `significantDigits` significant digits, and the rounded
 * value is the market state (what is published is what the next tick moves from).
 */
export class LiveFeedProvider implements RateProvider {
  readonly name: string;
  readonly maxAgeMs: number;
  readonly tickMs: number;
  readonly pivot: string;

  private readonly random: () => number;
  /** σ / 2^24: the shock is rate × sigmaPerUnit × (an integer in (−6·2^24, 6·2^24)). */
  private readonly sigmaPerUnit: Decimal;
  /** 1 − κ, and κ × anchor per currency: r + κ(A − r) = r(1 − κ) + κA. */
  private readonly keep: Decimal;
  private readonly pull = new Map<string, Decimal>();
  private readonly significantDigits: number;
  /** Currency codes in the (sorted, so order-independent) order the PRNG is consumed. */
  private readonly codes: readonly string[];
  private readonly market = new Map<string, Decimal>();
  private readonly now: Clock;
  private readonly timers: IntervalTimers;
  private readonly listeners: Listeners<RateSnapshot>;
  private timer: unknown;
  private snapshot: RateSnapshot | undefined;
  private tickCount = 0;

  constructor(options: LiveFeedProviderOptions = {}) {
    this.name = options.name ?? 'live-feed';
    this.tickMs = options.tickMs ?? 1000;
    if (!Number.isFinite(this.tickMs) || this.tickMs <= 0) throw new RangeError(`tickMs must be > 0, got ${this.tickMs}`);
    this.maxAgeMs = options.maxAgeMs ?? 5 * this.tickMs;
    if (!(this.maxAgeMs >= 0)) throw new RangeError(`maxAgeMs must be ≥ 0, got ${this.maxAgeMs}`);

    const volatilityBps = options.volatilityBps ?? 5;
    if (!Number.isFinite(volatilityBps) || volatilityBps < 0 || volatilityBps > 1000) {
      throw new RangeError(`volatilityBps must be from 0 to 1000, got ${volatilityBps}`);
    }
    // Exact: bps / 10^4 / 2^24 is a finite decimal well within D's 40 digits.
    this.sigmaPerUnit = new D(String(volatilityBps)).div(10_000).div(UNIFORM_SCALE);
    const kappa = new D(String(options.meanReversion ?? '0.01'));
    if (!kappa.isFinite() || kappa.lt(0) || kappa.gt(1)) {
      throw new RangeError(`meanReversion must be a decimal from 0 to 1, got ${String(options.meanReversion)}`);
    }
    this.keep = new D(1).minus(kappa);
    this.significantDigits = options.significantDigits ?? 6;
    if (!Number.isInteger(this.significantDigits) || this.significantDigits < 1 || this.significantDigits > 40) {
      throw new RangeError(`significantDigits must be an integer from 1 to 40, got ${this.significantDigits}`);
    }

    const anchor = options.anchor ?? ECB_REFERENCE_SNAPSHOT;
    this.pivot = anchor.pivot;
    const anchorRates = new Map<string, Decimal>();
    for (const [code, rate] of Object.entries(anchor.rates)) {
      const value = new D(rate);
      if (!value.isFinite() || value.lte(0)) throw new RangeError(`anchor rate of ${code} must be a positive decimal, got ${rate}`);
      anchorRates.set(code, value);
    }
    this.codes = [...anchorRates.keys()].sort();
    for (const code of this.codes) {
      this.market.set(code, this.round(anchorRates.get(code)!));
      this.pull.set(code, anchorRates.get(code)!.times(kappa));
    }

    this.random = sfc32(options.seed ?? 'paygate');
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? REAL_INTERVAL_TIMERS;
    this.listeners = new Listeners(options.onListenerError);
  }

  /** Number of ticks the market has moved since it was created. */
  get ticks(): number {
    return this.tickCount;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  latest(): RateSnapshot | undefined {
    return this.snapshot;
  }

  /**
   * Publishes the current market at once (if nothing was published yet) and then ticks every
   * `tickMs`. Idempotent.
   */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.timers.setInterval(() => this.tick(), this.tickMs);
    if (this.snapshot === undefined) this.publish();
  }

  /** Stops ticking; the last snapshot stays available (and goes stale after maxAgeMs). Idempotent. */
  stop(): void {
    if (this.timer === undefined) return;
    this.timers.clearInterval(this.timer);
    this.timer = undefined;
  }

  onSnapshot(listener: (s: RateSnapshot) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Moves the market one step, publishes the result (asOf = now) to the listeners and returns it. */
  tick(): RateSnapshot {
    for (const code of this.codes) {
      const rate = this.market.get(code)!;
      const shock = rate.times(this.sigmaPerUnit.times(this.nextShockUnits()));
      const next = this.round(rate.times(this.keep).plus(this.pull.get(code)!).plus(shock));
      // Unreachable with volatilityBps ≤ 1000 and κ ≤ 1 from a positive state; kept as a guard.
      if (next.gt(0)) this.market.set(code, next);
    }
    this.tickCount++;
    return this.publish();
  }

  private publish(): RateSnapshot {
    const rates: Record<string, string> = {};
    for (const code of this.codes) rates[code] = this.market.get(code)!.toFixed();
    const snapshot: RateSnapshot = Object.freeze({
      provider: this.name,
      pivot: this.pivot,
      rates: Object.freeze(rates),
      asOf: new Date(this.now()),
    });
    this.snapshot = snapshot;
    this.listeners.emit(snapshot);
    return snapshot;
  }

  /**
   * An approximately N(0, 1) shock in units of 2^-24: Σ of 12 integers in [0, 2^24) minus 6·2^24
   * (an integer below 2^28 in magnitude, not a rate; `sigmaPerUnit` carries the 2^-24).
   */
  private nextShockUnits(): number {
    let sum = 0;
    for (let i = 0; i < UNIFORMS_PER_SHOCK; i++) sum += this.random() >>> 8;
    return sum - (UNIFORMS_PER_SHOCK / 2) * UNIFORM_SCALE;
  }

  /** Half-even to `significantDigits` significant digits (what `roundRate` does, kept as a D). */
  private round(value: Decimal): Decimal {
    return value.toSignificantDigits(this.significantDigits, D.ROUND_HALF_EVEN);
  }
}
