import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { DomainError, Scope } from '@paygate/contracts';
import { EdgeRequest, ROUTE_SCOPE, headerOf } from '@paygate/http';
import { ApiKeyRepository, StoredKey } from './api-key.repository';
import { parseKey, sameHash } from './api-keys';
import { rateLimitHeaders } from './rate-limit';
import { RateLimiter } from './rate-limiter';
import { hasScope } from './scopes';

/** How long the guard trusts a key it has checked, in ms (0: check every request). */
export const KEY_CACHE_MS = Symbol('KEY_CACHE_MS');
export const DEFAULT_KEY_CACHE_MS = 1000;
/** Beyond this many cached keys the cache starts over (keys are few; this only bounds memory). */
const MAX_CACHED_KEYS = 10_000;

function presentedKey(req: EdgeRequest): string | undefined {
  const auth = headerOf(req.raw, 'authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1];
  }
  return headerOf(req.raw, 'x-api-key') || undefined;
}

/**
 * The gateway's door: `Authorization: Bearer <key>` or `X-API-Key: <key>` (401 UNAUTHENTICATED
 * when missing, unknown, revoked or past its rotation grace period), then the key's rate limit
 * (429 RATE_LIMITED with `Retry-After`; `RateLimit-*` headers on every answer), then the route's
 * scope (403 INSUFFICIENT_SCOPE).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /**
   * Keys checked recently, by the exact key presented: a hit skips the database read and the
   * hash. Revoking or rotating on this gateway drops the cache at once (the repository's
   * generation); on other replicas, and for the CLI, a revoked key stops working within
   * `cacheMs`. A cached key never outlives its own expiry.
   */
  private readonly cache = new Map<string, { key: StoredKey; until: number; generation: number }>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    @Optional() @Inject(KEY_CACHE_MS) private readonly cacheMs: number = DEFAULT_KEY_CACHE_MS,
  ) {}

  private async authenticate(presented: string): Promise<StoredKey> {
    const now = Date.now();
    const hit = this.cache.get(presented);
    if (hit && hit.until > now && hit.generation === this.keys.generation) return hit.key;
    const generation = this.keys.generation;
    const parsed = parseKey(presented);
    const stored = parsed ? await this.keys.findActiveByPrefix(parsed.prefix) : undefined;
    if (!parsed || !stored || !sameHash(stored.secretSha256, parsed.sha256)) {
      this.cache.delete(presented);
      throw new DomainError('UNAUTHENTICATED', 'Invalid or revoked API key');
    }
    if (this.cacheMs > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      const until = Math.min(now + this.cacheMs, stored.expiresAt ? new Date(stored.expiresAt).getTime() : Infinity);
      this.cache.set(presented, { key: stored, until, generation });
    }
    return stored;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<EdgeRequest>();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    const presented = presentedKey(req);
    if (!presented) throw new DomainError('UNAUTHENTICATED', 'An API key is required: Authorization: Bearer <key> or X-API-Key');
    const stored = await this.authenticate(presented);
    const decision = await this.limiter.check(stored.id, { perSec: stored.rateLimitPerSec, burst: stored.rateLimitBurst });
    if (decision) {
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) res.header(name, value);
      if (!decision.allowed) {
        throw new DomainError('RATE_LIMITED', `Rate limit of this API key exceeded (${decision.limit} requests at once); retry later`);
      }
    }
    const needed = this.reflector.get<Scope | undefined>(ROUTE_SCOPE, context.getHandler());
    if (!hasScope(stored.scopes, needed)) {
      throw new DomainError('INSUFFICIENT_SCOPE', `This key lacks the "${needed}" scope`, [
        { reason: 'INSUFFICIENT_SCOPE', message: `needs ${needed}; the key has ${stored.scopes.join(', ')}`, required: needed },
      ]);
    }
    req.raw.merchantId = stored.merchantId;
    req.raw.scopes = stored.scopes;
    return true;
  }
}
