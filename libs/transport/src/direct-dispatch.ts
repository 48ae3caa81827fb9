import type { MessageHandler, WritePacket } from '@nestjs/microservices';
import { toDomainError } from './errors';
import { RpcStep, runSteps } from './rpc-steps';

/** A message handler called directly: the payload in, validated by the handler's pipe; the reply out. */
export type DirectHandler = (payload: unknown) => Promise<unknown>;

/**
 * Request patterns served by calling their handlers directly, without Nest's per-message
 * pipeline (observables, interceptor consumer, pipes consumer, exception filter, an async
 * resource bound per message), which cost more than the handlers' own work. Each message still
 * runs `steps` (the ones the Nest interceptor runs) around its handler, which validates the
 * payload with the same pipe; a failure answers the same error body the exception filter would.
 * The in-process bus (the monolith) and the NATS server both serve this way.
 */
export class DirectDispatch {
  private constructor(
    private readonly handlers: ReadonlyMap<string, DirectHandler>,
    private readonly steps: readonly RpcStep[],
  ) {}

  /** The handlers among `handlers` that the server serves as request-reply (not events). */
  static of(
    server: { getHandlerByPattern(pattern: string): MessageHandler | null },
    handlers: ReadonlyMap<string, DirectHandler>,
    steps: readonly RpcStep[],
  ): DirectDispatch {
    const served = new Map<string, DirectHandler>();
    for (const [pattern, handler] of handlers) {
      const nest = server.getHandlerByPattern(pattern);
      if (nest && !nest.isEventHandler) served.set(pattern, handler);
    }
    return new DirectDispatch(served, steps);
  }

  handler(pattern: string): DirectHandler | undefined {
    return this.handlers.get(pattern);
  }

  /** The handler run within the steps, as the one packet Nest's pipeline would have sent. */
  packet(pattern: string, headers: { get(name: string): string }, handler: DirectHandler, payload: unknown): Promise<WritePacket> {
    return runSteps(this.steps, { pattern, headers }, () => handler(payload)).then(
      (response) => ({ response, isDisposed: true }),
      (err: unknown) => ({ err: toDomainError(err).toBody(), isDisposed: true }),
    );
  }
}
