import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { SeedMetrics } from './seed-metrics';

interface PatternSource {
  getPattern?: () => string;
  getSubject?: () => string;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL_ERROR';
}

/** Seed metrics for message handlers: method="RPC", route = the message pattern. */
@Injectable()
export class RpcMetricsInterceptor implements NestInterceptor {
  constructor(private readonly seed: SeedMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const ctx = context.switchToRpc().getContext() as PatternSource;
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
