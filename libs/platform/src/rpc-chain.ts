import { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';

/**
 * Several message-handler interceptors as one, run in the order given. Nest wraps each global
 * interceptor in its own deferred, async-context-bound step for every request and message (HTTP
 * ones included, where these only pass through); chained here they cost one such step, and HTTP
 * requests skip them at once. Each interceptor still decides when it calls `next.handle()`.
 */
export class RpcInterceptorChain implements NestInterceptor {
  constructor(private readonly chain: readonly NestInterceptor[]) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const step = (i: number): Observable<unknown> => {
      if (i === this.chain.length) return next.handle();
      const out = this.chain[i].intercept(context, { handle: () => step(i + 1) });
      if (!(out instanceof Observable)) throw new TypeError('RpcInterceptorChain: interceptors must return an Observable');
      return out;
    };
    return step(0);
  }
}
