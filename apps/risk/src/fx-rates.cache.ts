import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { DomainError, FX_TICKS_SUBJECT, ROUTES } from '@paygate/contracts';
import { InjectRegistry } from '@paygate/metrics';
import { isCurrencyCode } from '@paygate/money';
import { EventBus, RpcClient } from '@paygate/transport';
import { Gauge, Registry } from 'prom-client';
import { ReferenceConverter, type PivotRates } from './domain';

const log = new Logger('RiskFx');

/** A rate snapshot as risk keeps it: every rate of one tick (or of the seed call) against the pivot. */
export interface RateSnapshot extends PivotRates {
  asOf: Date;
  source: string;
  seq?: number;
}

export interface FxCacheStatus {
  seeded_by: 'rpc' | 'tick' | null;
  source: string | null;
  as_of: string | null;
  currencies: number;
  ticks: number;
}

const POSITIVE_DECIMAL = /^(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?$/;
const SEED_RETRY_MIN_MS = 250;
const SEED_RETRY_MAX_MS = 5000;

/**
 * The FX rates risk normalises amounts with: the ticks the fx service publishes on the event
 * bus (`fx.ticks`), cached in memory, so a score never calls fx. At start the cache is seeded
 * with one `GET /rates?base=EUR` through the RPC client, retried with backoff until fx answers
 * (or a tick arrives first). Until a currency has a rate its amounts are unpriced (the rules
 * can score that); rates are indicative here (risk moves no money), so an old rate is used
 * rather than none, and its age is shown in /healthz.
 */
@Injectable()
export class FxRateCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private snapshot?: RateSnapshot;
  private seededBy: 'rpc' | 'tick' | null = null;
  private ticks = 0;
  private readonly converters = new Map<string, ReferenceConverter>();
  private unsubscribe?: () => void;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private warnedMalformed = false;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    private readonly rpc: RpcClient,
    @Optional() @InjectRegistry() registry?: Registry,
  ) {
    if (registry) this.registerMetrics(registry);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe(FX_TICKS_SUBJECT, (payload) => this.onTick(payload));
    void this.seed(SEED_RETRY_MIN_MS);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.unsubscribe?.();
  }

  /** A converter into `reference` over the latest snapshot (cached per snapshot). */
  converter(reference: string): ReferenceConverter {
    let c = this.converters.get(reference);
    if (!c || c.snapshot !== this.snapshot) {
      c = new ReferenceConverter(this.snapshot, reference);
      this.converters.set(reference, c);
    }
    return c;
  }

  /** `minor` units of `currency` in reference minor units, or undefined when no rate is known. */
  toReference(minor: bigint, currency: string, reference: string): bigint | undefined {
    return this.converter(reference).convert(minor, currency);
  }

  current(): RateSnapshot | undefined {
    return this.snapshot;
  }

  status(): FxCacheStatus {
    const s = this.snapshot;
    return {
      seeded_by: this.seededBy,
      source: s?.source ?? null,
      as_of: s?.asOf.toISOString() ?? null,
      currencies: s ? Object.keys(s.rates).length : 0,
      ticks: this.ticks,
    };
  }

  /** Applies a tick from the bus (untrusted JSON); returns whether it replaced the snapshot. */
  onTick(payload: unknown): boolean {
    const snap = parseSnapshot(payload);
    if (!snap) {
      if (!this.warnedMalformed) {
        this.warnedMalformed = true;
        log.warn(`ignoring a malformed ${FX_TICKS_SUBJECT} message (said once)`);
      }
      return false;
    }
    this.ticks++;
    return this.install(snap, 'tick');
  }

  /** One seed attempt, then retries with backoff until fx answers or a snapshot exists. */
  private async seed(delayMs: number): Promise<void> {
    if (this.stopped || this.snapshot) return;
    try {
      const r = await this.rpc.call(ROUTES.fxRates, { base: 'EUR' });
      const snap = parseSnapshot({ pivot: r.base, rates: r.rates, as_of: r.as_of, source: r.source });
      if (!snap) throw new DomainError('INTERNAL_ERROR', 'fx answered /rates with a malformed body');
      if (this.install(snap, 'rpc'))
        log.log(`FX rates seeded from fx (${r.source}, as of ${r.as_of}, ${Object.keys(snap.rates).length} currencies)`);
      return;
    } catch (err) {
      if (this.stopped || this.snapshot) return;
      const e = DomainError.fromWire(err);
      log.warn(`cannot seed FX rates yet (${e.code}: ${e.message}); amounts stay unpriced, retrying in ${delayMs} ms`);
    }
    this.retryTimer = setTimeout(() => void this.seed(Math.min(delayMs * 2, SEED_RETRY_MAX_MS)), delayMs);
    this.retryTimer.unref();
  }

  /** Keeps the newer snapshot (by as_of): replicas of fx or a late seed answer never roll rates back. */
  private install(snap: RateSnapshot, by: 'rpc' | 'tick'): boolean {
    if (this.snapshot && snap.asOf.getTime() < this.snapshot.asOf.getTime()) return false;
    this.snapshot = snap;
    this.seededBy ??= by;
    return true;
  }

  private registerMetrics(registry: Registry): void {
    const current = () => this.snapshot;
    new Gauge({
      name: 'risk_fx_rates_age_seconds',
      help: 'Age of the FX rates risk normalises amounts with (from fx ticks)',
      registers: [registry],
      collect() {
        const s = current();
        if (s) this.set((Date.now() - s.asOf.getTime()) / 1000);
      },
    });
  }
}

/** A snapshot from untrusted JSON `{pivot, rates, as_of, source, seq?}`; malformed rates are dropped, a malformed envelope → undefined. */
export function parseSnapshot(payload: unknown): RateSnapshot | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  if (!isCurrencyCode(p.pivot) || typeof p.rates !== 'object' || p.rates === null || typeof p.as_of !== 'string') return undefined;
  const asOf = new Date(p.as_of);
  if (Number.isNaN(asOf.getTime())) return undefined;
  const rates: Record<string, string> = {};
  for (const [code, rate] of Object.entries(p.rates as Record<string, unknown>)) {
    if (isCurrencyCode(code) && typeof rate === 'string' && POSITIVE_DECIMAL.test(rate) && /[1-9]/.test(rate)) rates[code] = rate;
  }
  const snap: RateSnapshot = {
    pivot: p.pivot,
    rates: Object.freeze(rates),
    asOf,
    source: typeof p.source === 'string' ? p.source : 'unknown',
  };
  if (typeof p.seq === 'number') snap.seq = p.seq;
  return snap;
}
