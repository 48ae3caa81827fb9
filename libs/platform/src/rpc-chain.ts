import { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { RpcStep, interceptWith } from '@paygate/transport';

/**
 * The message handlers' steps (observability, in-flight tracking, request context, metrics) as
 * one Nest interceptor, run in the order given: Nest wraps each global interceptor in its own
 * deferred, async-context-bound step for every request and message (HTTP ones included, where
 * these only pass through); chained here they cost one. The monolith's in-process server runs
 * the same `steps` itself, without Nest's per-message pipeline.
 */
export class RpcInterceptorChain implements NestInterceptor {
  constructor(readonly steps: readonly RpcStep[]) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return interceptWith(this.steps, context, next);
  }
}
