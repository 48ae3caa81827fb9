import Redis from 'ioredis';
import { GCRA_LUA, RateDecision, RateLimit, gcra } from './rate-limit';

/** Where buckets live: one atomic check-and-count per request. */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  hit(bucket: string, limit: RateLimit): Promise<RateDecision>;
  close(): Promise<void>;
}

/** The monolith's (and a single gateway's) buckets: a map of TATs in this process. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory';
  private readonly tats = new Map<string, number>();

  constructor(private readonly nowUs: () => number = () => Date.now() * 1000) {}

  async hit(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.nowUs();
    if (this.tats.size > 10_000) this.sweep(now);
    const r = gcra(this.tats.get(bucket), now, limit);
    this.tats.set(bucket, r.tat);
    return r.decision;
  }

  /** Full buckets carry no information: forget them. */
  private sweep(now: number): void {
    for (const [k, tat] of this.tats) if (tat <= now) this.tats.delete(k);
  }

  get size(): number {
    return this.tats.size;
  }

  async close(): Promise<void> {
    this.tats.clear();
  }
}

type GcraCommand = (key: string, intervalUs: number, burst: number) => Promise<[number, number, number, number]>;

/**
 * Buckets shared by every gateway replica: one Lua script per request (GET, compute, SET with a
 * TTL, on Redis's clock). Commands fail fast when Redis is away (no offline queue, no retries,
 * a short timeout): the caller decides what a failure means (the gateway fails open).
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    options: { commandTimeoutMs?: number; onError?: (err: Error) => void } = {},
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 200,
      connectTimeout: 2000,
      // A socket that never opened would otherwise keep the process alive 2 s after close.
      disconnectTimeout: 100,
      retryStrategy: (times) => Math.min(times * 100, 2000),
    });
    this.redis.on('error', (err: Error) => options.onError?.(err));
    this.redis.defineCommand('paygateGcra', { numberOfKeys: 1, lua: GCRA_LUA });
  }

  /** Connects; a Redis that is down now is not fatal (it reconnects in the background). */
  async connect(): Promise<boolean> {
    try {
      await this.redis.connect();
      return true;
    } catch {
      return false;
    }
  }

  async hit(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const intervalUs = Math.max(1, Math.round(1_000_000 / limit.perSec));
    const burst = Math.max(1, Math.floor(limit.burst));
    const cmd = (this.redis as unknown as { paygateGcra: GcraCommand }).paygateGcra.bind(this.redis);
    const [allowed, remaining, retryAfterUs, resetUs] = await cmd(`${this.prefix}:${bucket}`, intervalUs, burst);
    return { allowed: allowed === 1, limit: burst, remaining, retryAfterUs, resetUs };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
