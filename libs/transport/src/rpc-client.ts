import { ClientNats, ClientProxy, NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import { ErrorCode, NatsError, headers as natsHeaders } from 'nats';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { DEMO_MERCHANT_ID, DomainError, Envelope, RequestOf, ResponseOf, RpcDef, envelopeToHeaders } from '@paygate/contracts';
import { RequestContext } from './request-context';
import { InProcessClient } from './in-process';
import { endSpan, injectTraceContext, startRpcClientSpan } from './trace-context';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';

const log = new Logger('RpcClient');

export interface RpcClientOptions {
  /** Upper bound for one call when the caller's deadline is further away (ms). */
  maxCallMs: number;
  /** Budget of a call made outside any request (e.g. a background job) (ms). */
  defaultBudgetMs: number;
}

/**
 * The typed, deadline-enforcing RPC client. Nest's NATS client has no timeout of its own and
 * would wait forever; here every call stops at the envelope's deadline, an absent service fails
 * fast (NATS "no responders" / the in-process bus's equivalent) and errors come back as
 * `DomainError`s with the code the remote service raised.
 */
export class RpcClient {
  constructor(
    private readonly proxy: ClientProxy,
    private readonly options: RpcClientOptions,
  ) {}

  async call<R extends RpcDef>(route: R, payload: RequestOf<R>, envelope?: Envelope): Promise<ResponseOf<R>> {
    return this.send<ResponseOf<R>>(route.pattern, payload, envelope);
  }

  async send<T>(pattern: string, payload: unknown, envelope?: Envelope): Promise<T> {
    const env = envelope ?? RequestContext.current() ?? this.backgroundEnvelope();
    const remaining = Math.min(env.deadline - Date.now(), this.options.maxCallMs);
    if (remaining <= 0) throw new DomainError('DEADLINE_EXCEEDED', `Deadline passed before calling ${pattern}`);

    // A CLIENT span per call (a no-op when tracing is off); its context rides as `traceparent`.
    const inProcess = this.proxy instanceof InProcessClient;
    const span = startRpcClientSpan(pattern, env, inProcess ? 'in-process' : 'nats');
    const envHeaders = envelopeToHeaders(env);
    injectTraceContext(span, envHeaders);
    try {
      const reply = inProcess
        ? ((await (this.proxy as InProcessClient).request(pattern, payload, envHeaders, remaining, () => new TimeoutError())) as T)
        : this.proxy instanceof ClientNats
          ? await natsRequest<T>(this.proxy, pattern, payload, envHeaders, remaining)
          : await firstValueFrom(this.proxy.send<T>(pattern, natsRecord(payload, envHeaders)).pipe(timeout(remaining)));
      endSpan(span);
      return reply;
    } catch (err) {
      const callError = toCallError(pattern, err, remaining);
      endSpan(span, callError);
      throw callError;
    }
  }

  private backgroundEnvelope(): Envelope {
    return {
      requestId: `bg_${randomUUID()}`,
      deadline: Date.now() + this.options.defaultBudgetMs,
      merchantId: DEMO_MERCHANT_ID,
    };
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * One request over the NATS connection that Nest's ClientNats manages, through nats.js's muxed
 * request: one inbox subscription for all replies. (ClientNats.send subscribes to a new inbox
 * for each call and unsubscribes after it: three protocol messages and a subscription the server
 * registers and drops, per call.) Packets are Nest's, so the servers' side is unchanged: the
 * request is `{pattern, data, id}` as JSON, the reply `{id, response}` or `{id, err}`. While
 * NATS is down, `connect()` rejects at once ("Connection lost"), as `send` would.
 */
async function natsRequest<T>(client: ClientNats, pattern: string, payload: unknown, headers: Record<string, string>, timeoutMs: number) {
  const nc = await client.connect();
  const data = utf8.encode(JSON.stringify({ pattern, data: payload, id: randomUUID() }));
  let msg;
  try {
    msg = await nc.request(pattern, data, { timeout: timeoutMs, headers: natsHeadersOf(headers) });
  } catch (e) {
    if (e instanceof NatsError && e.code === ErrorCode.Timeout) throw new TimeoutError();
    if (e instanceof NatsError && e.code === ErrorCode.NoResponders) throw new EmptyResponseException(pattern);
    throw e;
  }
  const packet = JSON.parse(fromUtf8.decode(msg.data)) as { err?: unknown; response?: T };
  if (packet.err) throw packet.err;
  return packet.response as T;
}

function natsHeadersOf(headers: Record<string, string>) {
  const hdrs = natsHeaders();
  for (const [k, v] of Object.entries(headers)) hdrs.set(k, v);
  return hdrs;
}

function natsRecord(payload: unknown, headers: Record<string, string>) {
  return new NatsRecordBuilder(payload).setHeaders(natsHeadersOf(headers)).build();
}

function serviceOf(pattern: string): string {
  return pattern.split('.')[0] ?? pattern;
}

/** What Nest's ClientNats rejects with (a string, not an Error) between a disconnect and the reconnect. */
const NATS_CONNECTION_LOST = /^Error: Connection lost/;

export function toCallError(pattern: string, err: unknown, budgetMs: number): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof TimeoutError) {
    return new DomainError('DEADLINE_EXCEEDED', `${serviceOf(pattern)} did not answer ${pattern} within ${budgetMs} ms`);
  }
  if (err instanceof EmptyResponseException || err === NO_MESSAGE_HANDLER) {
    return new DomainError('SERVICE_UNAVAILABLE', `${serviceOf(pattern)} service is unavailable (no responder for ${pattern})`);
  }
  if (err instanceof TypeError || err instanceof RangeError) {
    // A payload that cannot be serialised (e.g. a bigint) is our bug, not an outage: no retry hint.
    log.error(`cannot send ${pattern}: ${err.message}`);
    return new DomainError('INTERNAL_ERROR', 'Internal error');
  }
  if (err instanceof Error || (typeof err === 'string' && NATS_CONNECTION_LOST.test(err))) {
    // Connection-level failures of the NATS client (refused, closed, disconnected, …). While NATS
    // is down, Nest's ClientNats rejects at once with a bare string ("Connection lost. Trying to
    // reconnect..."): nothing was sent.
    return new DomainError('SERVICE_UNAVAILABLE', `${serviceOf(pattern)} service is unreachable`);
  }
  return DomainError.fromWire(err);
}
