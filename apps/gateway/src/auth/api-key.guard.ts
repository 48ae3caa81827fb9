import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, Scope } from '@paygate/contracts';
import { EdgeRequest, ROUTE_SCOPE } from '@paygate/http';
import { ApiKeyRepository } from './api-key.repository';
import { parseKey, sameHash } from './api-keys';

function presentedKey(req: EdgeRequest): string | undefined {
  const auth = req.header('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1];
  }
  return req.header('x-api-key') || undefined;
}

/** The gateway's door: `Authorization: Bearer <key>` or `X-API-Key: <key>`, with the route's scope. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<EdgeRequest>();
    const presented = presentedKey(req);
    if (!presented) throw new DomainError('UNAUTHENTICATED', 'An API key is required: Authorization: Bearer <key> or X-API-Key');
    const parsed = parseKey(presented);
    const stored = parsed ? await this.keys.findActiveByPrefix(parsed.prefix) : undefined;
    if (!parsed || !stored || !sameHash(stored.secretSha256, parsed.sha256)) {
      throw new DomainError('UNAUTHENTICATED', 'Invalid or revoked API key');
    }
    const needed = this.reflector.get<Scope | undefined>(ROUTE_SCOPE, context.getHandler());
    if (needed && !(stored.scopes.includes(needed) || stored.scopes.includes('admin'))) {
      throw new DomainError('FORBIDDEN', `This key lacks the "${needed}" scope`);
    }
    req.merchantId = stored.merchantId;
    req.scopes = stored.scopes;
    return true;
  }
}
