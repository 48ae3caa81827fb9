import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRegistry } from '@paygate/metrics';
import { Counter, Registry } from 'prom-client';
import { RateDecision, RateLimit, effectiveLimit } from './rate-limit';
import { RateLimitStore, RedisRateLimitStore } from './rate-limit.store';

export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');

export interface RateLimiterOptions {
  defaults: RateLimit;
  store: RateLimitStore;
}

/**
 * Per-key limits for the guard. If the store fails (Redis down or slow), the request is let
 * through (fail open: an outage of the limiter's cache must not become an outage of payments),
 * counted in `gateway_rate_limit_decisions_total{result="fail_open"}` and logged at most every 10 s.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('RateLimiter');
  private readonly decisions: Counter<'result' | 'store'>;
  private lastWarning = 0;

  constructor(
    @Inject(RATE_LIMIT_OPTIONS) private readonly options: RateLimiterOptions,
    @InjectRegistry() registry: Registry,
  ) {
    this.decisions = new Counter({
      name: 'gateway_rate_limit_decisions_total',
      help: 'Per-key rate limit checks by result: allowed, limited (429), fail_open (the store failed; the request was let through)',
      labelNames: ['result', 'store'],
      registers: [registry],
    });
  }

  async onModuleInit(): Promise<void> {
    const store = this.options.store;
    if (store instanceof RedisRateLimitStore && !(await store.connect())) {
      this.warn('Redis is unreachable at start: rate limits fail open until it answers');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.options.store.close();
  }

  /** The decision for one request of a key; undefined when the key has no limit or the store failed. */
  async check(keyId: string, override: { perSec?: number | null; burst?: number | null }): Promise<RateDecision | undefined> {
    const limit = effectiveLimit(this.options.defaults, override);
    if (limit.perSec <= 0) return undefined;
    const store = this.options.store.kind;
    try {
      const d = await this.options.store.hit(keyId, limit);
      this.decisions.inc({ result: d.allowed ? 'allowed' : 'limited', store });
      return d;
    } catch (err) {
      this.decisions.inc({ result: 'fail_open', store });
      this.warn(`rate limit store failed, request let through: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.log.warn(message);
  }
}
