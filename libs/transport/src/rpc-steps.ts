import { CallHandler, ExecutionContext } from '@nestjs/common';
import { Observable, defer, lastValueFrom } from 'rxjs';

/** What a message handler's surrounding steps see of a message. */
export interface RpcCall {
  pattern: string;
  headers: { get(name: string): string };
}

/**
 * One step around a message handler (context, metrics, tracing, in-flight tracking), written
 * once as a promise: Nest's interceptor runs it for NATS messages, and the monolith's direct
 * in-process dispatch runs the same steps without Nest's per-message pipeline.
 */
export interface RpcStep {
  around(call: RpcCall, next: () => Promise<unknown>): Promise<unknown>;
}

interface RpcSource {
  getSubject?: () => string;
  getPattern?: () => string;
  getHeaders?: () => { get(name: string): string } | undefined;
}

const NO_HEADERS = { get: () => '' };

export function rpcCallOf(ctx: ExecutionContext): RpcCall {
  const rpc = ctx.switchToRpc().getContext<RpcSource>();
  return {
    pattern: rpc.getSubject?.() ?? rpc.getPattern?.() ?? ctx.getHandler().name,
    headers: rpc.getHeaders?.() ?? NO_HEADERS,
  };
}

/** Runs the steps in order around `last` (the first step is the outermost). */
export function runSteps(steps: readonly RpcStep[], call: RpcCall, last: () => Promise<unknown>): Promise<unknown> {
  const at = (i: number): Promise<unknown> => (i === steps.length ? last() : steps[i].around(call, () => at(i + 1)));
  return at(0);
}

/** The steps as a Nest interceptor (request-reply: the handler's one value); HTTP passes through. */
export function interceptWith(steps: readonly RpcStep[], ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
  if (ctx.getType() !== 'rpc') return next.handle();
  return defer(() => runSteps(steps, rpcCallOf(ctx), () => lastValueFrom(next.handle(), { defaultValue: undefined })));
}
