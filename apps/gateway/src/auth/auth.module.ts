import { DynamicModule, Module } from '@nestjs/common';
import type { RateLimitSettings } from '@paygate/platform';
import { ApiKeyGuard, DEFAULT_KEY_CACHE_MS, KEY_CACHE_MS } from './api-key.guard';
import { ApiKeyManager } from './api-key.manager';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeysController } from './api-keys.controller';
import { DEMO_KEY, DemoKeySeeder, assertNoDemoKeyInProduction } from './demo-key';
import { RATE_LIMIT_OPTIONS, RateLimiter, RateLimiterOptions } from './rate-limiter';
import { MemoryRateLimitStore, RateLimitStore, RedisRateLimitStore } from './rate-limit.store';

export interface AuthOptions {
  demoApiKey?: string;
  env?: 'development' | 'test' | 'production';
  /** Default: 1000/s, burst 2000, in memory. */
  rateLimit?: RateLimitSettings;
  /** Chooses the rate limit store when `rateLimit.store` is unset: Redis over nats, memory in-process. */
  transportMode?: 'nats' | 'in-process';
  /** How long the guard trusts a checked key (ms; default 1000, 0: never cached). */
  keyCacheMs?: number;
}

export function rateLimitStore(options: AuthOptions): RateLimitStore {
  const rl = options.rateLimit;
  const kind = rl?.store ?? (options.transportMode === 'nats' ? 'redis' : 'memory');
  if (kind === 'redis' && rl) return new RedisRateLimitStore(rl.redisUrl, rl.redisPrefix, { onError: () => undefined });
  return new MemoryRateLimitStore();
}

/**
 * API keys at the gateway: the guard (key, rate limit, scope), the admin routes `/api_keys`, the
 * key lifecycle, and outside production the demo key. Exports what the gateway's controllers need
 * for `@UseGuards(ApiKeyGuard)`.
 */
@Module({})
export class AuthModule {
  static register(options: AuthOptions): DynamicModule {
    assertNoDemoKeyInProduction(options.env ?? 'development', options.demoApiKey);
    const limiterOptions: RateLimiterOptions = {
      defaults: { perSec: options.rateLimit?.perSec ?? 1000, burst: options.rateLimit?.burst ?? 2000 },
      store: rateLimitStore(options),
    };
    return {
      module: AuthModule,
      controllers: [ApiKeysController],
      providers: [
        ApiKeyRepository,
        ApiKeyGuard,
        RateLimiter,
        DemoKeySeeder,
        { provide: RATE_LIMIT_OPTIONS, useValue: limiterOptions },
        { provide: KEY_CACHE_MS, useValue: options.keyCacheMs ?? DEFAULT_KEY_CACHE_MS },
        { provide: DEMO_KEY, useValue: options.demoApiKey },
        { provide: ApiKeyManager, useFactory: (repo: ApiKeyRepository) => new ApiKeyManager(repo), inject: [ApiKeyRepository] },
      ],
      exports: [ApiKeyRepository, ApiKeyGuard, RateLimiter],
    };
  }
}
