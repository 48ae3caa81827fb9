import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ENVELOPE_HEADERS } from '@paygate/contracts';
import { Observable } from 'rxjs';
import { RpcCall, RpcStep, interceptWith } from '@paygate/transport';
import { SeedMetrics } from './seed-metrics';

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
export class RpcMetricsInterceptor implements NestInterceptor, RpcStep {
  constructor(private readonly seed: SeedMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return interceptWith([this], context, next);
  }

  async around(call: RpcCall, next: () => Promise<unknown>): Promise<unknown> {
    if (this.seed.isOwnForward(call.headers.get(ENVELOPE_HEADERS.requestId) || undefined)) return next();
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    try {
      const value = await next();
      this.seed.observe('RPC', call.pattern, true, 'OK', seconds());
      return value;
    } catch (err) {
      this.seed.observe('RPC', call.pattern, false, codeOf(err), seconds());
      throw err;
    }
  }
}
