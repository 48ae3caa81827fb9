import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ENVELOPE_HEADERS } from '@paygate/contracts';
import { Observable, tap } from 'rxjs';
import { SeedMetrics } from './seed-metrics';

interface PatternSource {
  getPattern?: () => string;
  getSubject?: () => string;
  getHeaders?: () => { get(name: string): string | undefined } | undefined;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL_ERROR';
}

/**
 * Seed metrics for message handlers: method="RPC", route = the message pattern. A message that
 * is this service's own HTTP route forwarded to its handler is not counted again: the HTTP
 * request is (so `sum by (service)` counts each request once, e.g. the seed's curls to :8081).
 */
@Injectable()
export class RpcMetricsInterceptor implements NestInterceptor {
  constructor(private readonly seed: SeedMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const ctx = context.switchToRpc().getContext() as PatternSource;
    if (this.seed.isOwnForward(ctx.getHeaders?.()?.get(ENVELOPE_HEADERS.requestId) || undefined)) return next.handle();
    const pattern = ctx.getSubject?.() ?? ctx.getPattern?.() ?? 'unknown';
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    return next.handle().pipe(
      tap({
        next: () => undefined,
        complete: () => this.seed.observe('RPC', pattern, true, 'OK', seconds()),
        error: (err: unknown) => this.seed.observe('RPC', pattern, false, codeOf(err), seconds()),
      }),
    );
  }
}
