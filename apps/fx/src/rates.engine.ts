import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DomainError, FX_TICKS_SUBJECT, RateTick } from '@paygate/contracts';
import { InjectRegistry } from '@paygate/metrics';
import { FxSettings, InjectRuntimeConfig, ReadinessCheck, RuntimeConfig } from '@paygate/platform';
import { EventBus } from '@paygate/transport';
import { Counter, Gauge, Registry } from 'prom-client';
import {
  EcbReferenceProvider,
  HttpRateProvider,
  LiveFeedProvider,
  RateBook,
  RateProvider,
  RateSnapshot,
  parseSpreads,
} from './domain/providers';

const log = new Logger('FxRates');

export function buildProviders(fx: FxSettings): RateProvider[] {
  return fx.providers.map((kind) => {
    switch (kind) {
      case 'live':
        return new LiveFeedProvider({ seed: fx.seed, tickMs: fx.tickMs, volatilityBps: fx.volatilityBps, maxAgeMs: fx.liveMaxAgeMs });
      case 'http':
        return new HttpRateProvider({ baseUrl: fx.httpUrl!, pollMs: fx.httpPollMs, maxAgeMs: fx.httpMaxAgeMs });
      case 'ecb':
        return new EcbReferenceProvider({ maxAgeMs: fx.ecbMaxAgeMs });
    }
  });
}

/** A fresh snapshot to price with, from the first usable provider in failover order. */
export interface FreshRates {
  snapshot: RateSnapshot;
  stale: boolean;
}

/**
 * The FX service's rates: the providers in failover order behind one rate book, started with
 * the app. Publishes every tick of the active provider on the event bus (`fx.ticks`), exports
 * rate, age and provider metrics, and is the service's readiness check (ready while some
 * provider is fresh).
 */
@Injectable()
export class RatesEngine implements OnApplicationBootstrap, OnApplicationShutdown, ReadinessCheck {
  readonly key = 'rates';
  readonly book: RateBook;
  readonly spreadOf: (base: string, quote: string) => number;
  private unsubscribe?: () => void;

  constructor(
    @InjectRuntimeConfig() rt: RuntimeConfig,
    @Inject(EventBus) private readonly bus: EventBus,
    @InjectRegistry() registry: Registry,
  ) {
    this.book = new RateBook(buildProviders(rt.fx));
    this.spreadOf = parseSpreads(rt.fx.spreads, rt.fx.spreadBps);
    this.registerMetrics(registry);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.book.onTick(({ seq, snapshot }) => {
      const tick: RateTick = {
        seq,
        source: snapshot.provider,
        pivot: snapshot.pivot,
        as_of: snapshot.asOf.toISOString(),
        rates: snapshot.rates,
      };
      this.bus.publish(FX_TICKS_SUBJECT, tick);
    });
    this.book.start();
    const s = this.book.status(Date.now()).map((p) => `${p.name}:${p.state}`);
    log.log(`rate providers (failover order): ${s.join(', ')}`);
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.book.stop();
  }

  /** The rates to read (may be stale: `/rate` says so), or RATE_STALE when there are none at all. */
  current(): FreshRates {
    const c = this.book.current(Date.now());
    if (!c.snapshot) throw new DomainError('RATE_STALE', 'No rate provider has any rates yet');
    return { snapshot: c.snapshot, stale: c.stale };
  }

  /** Rates fit to convert money with: never stale (503 RATE_STALE, never silently served). */
  fresh(): RateSnapshot {
    const c = this.current();
    if (c.stale) {
      const age = Math.round((Date.now() - c.snapshot.asOf.getTime()) / 1000);
      throw new DomainError(
        'RATE_STALE',
        `Rates are stale: the freshest (${c.snapshot.provider}) is ${age} s old and no provider is fresh`,
      );
    }
    return c.snapshot;
  }

  async check(): Promise<{ up: boolean; detail?: Record<string, unknown> }> {
    const now = Date.now();
    return { up: this.book.healthy(now), detail: { providers: this.book.status(now) } };
  }

  private registerMetrics(registry: Registry): void {
    const book = this.book;
    new Gauge({
      name: 'fx_rate',
      help: 'Mid rate of each currency per one pivot unit (EUR), from the active provider; observational only (a float)',
      labelNames: ['pivot', 'currency'],
      registers: [registry],
      collect() {
        this.reset();
        const c = book.current(Date.now());
        if (!c.snapshot) return;
        for (const [currency, rate] of Object.entries(c.snapshot.rates)) this.set({ pivot: c.snapshot.pivot, currency }, Number(rate));
      },
    });
    new Gauge({
      name: 'fx_rate_age_seconds',
      help: 'Age of each provider’s latest rates',
      labelNames: ['provider'],
      registers: [registry],
      collect() {
        const now = Date.now();
        for (const p of book.status(now)) if (p.ageMs !== null && Number.isFinite(p.ageMs)) this.set({ provider: p.name }, p.ageMs / 1000);
      },
    });
    new Gauge({
      name: 'fx_provider_up',
      help: 'Provider state: 1 for the current state (up, stale, open, empty), 0 otherwise; active=1 marks the one in use',
      labelNames: ['provider', 'state', 'active'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of book.status(Date.now())) {
          for (const state of ['up', 'stale', 'open', 'empty'])
            this.set({ provider: p.name, state, active: String(p.active) }, p.state === state ? 1 : 0);
        }
      },
    });
    const seen = new Map<string, number>();
    new Counter({
      name: 'fx_provider_errors_total',
      help: 'Failed fetches or rejected responses, per provider',
      labelNames: ['provider'],
      registers: [registry],
      collect() {
        for (const p of book.status(Date.now())) {
          const delta = p.errors - (seen.get(p.name) ?? 0);
          if (delta > 0) this.inc({ provider: p.name }, delta);
          seen.set(p.name, p.errors);
        }
      },
    });
  }
}
