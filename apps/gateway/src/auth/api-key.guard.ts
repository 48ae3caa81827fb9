import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { DomainError, Scope } from '@paygate/contracts';
import { EdgeRequest, ROUTE_SCOPE } from '@paygate/http';
import { ApiKeyRepository } from './api-key.repository';
import { parseKey, sameHash } from './api-keys';
import { rateLimitHeaders } from './rate-limit';
import { RateLimiter } from './rate-limiter';
import { hasScope } from './scopes';

function presentedKey(req: EdgeRequest): string | undefined {
  const auth = req.header('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1];
  }
  return req.header('x-api-key') || undefined;
}

/**
 * The gateway's door: `Authorization: Bearer <key>` or `X-API-Key: <key>` (401 UNAUTHENTICATED
 * when missing, unknown, revoked or past its rotation grace period), then the key's rate limit
 * (429 RATE_LIMITED with `Retry-After`; `RateLimit-*` headers on every answer), then the route's
 * scope (403 INSUFFICIENT_SCOPE).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<EdgeRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const presented = presentedKey(req);
    if (!presented) throw new DomainError('UNAUTHENTICATED', 'An API key is required: Authorization: Bearer <key> or X-API-Key');
    const parsed = parseKey(presented);
    const stored = parsed ? await this.keys.findActiveByPrefix(parsed.prefix) : undefined;
    if (!parsed || !stored || !sameHash(stored.secretSha256, parsed.sha256)) {
      throw new DomainError('UNAUTHENTICATED', 'Invalid or revoked API key');
    }
    const decision = await this.limiter.check(stored.id, { perSec: stored.rateLimitPerSec, burst: stored.rateLimitBurst });
    if (decision) {
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) res.setHeader(name, value);
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
    req.merchantId = stored.merchantId;
    req.scopes = stored.scopes;
    return true;
  }
}
