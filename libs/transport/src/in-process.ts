import { Logger } from '@nestjs/common';
import { BaseRpcContext, ClientProxy, CustomTransportStrategy, NatsRecord, ReadPacket, Server, WritePacket } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { DirectDispatch, DirectHandler } from './direct-dispatch';
import { wireCopy } from './wire-copy';
import { RpcStep } from './rpc-steps';

export type PlainHeaders = Record<string, string>;

/** Header access with the same shape as NATS `MsgHdrs.get` (missing → empty string). */
export class InProcessHeaders {
  constructor(private readonly values: PlainHeaders) {}
  get(name: string): string {
    return this.values[name.toLowerCase()] ?? '';
  }
  toJSON(): PlainHeaders {
    return { ...this.values };
  }
}

export class InProcessContext extends BaseRpcContext<[string, InProcessHeaders]> {
  getSubject(): string {
    return this.args[0];
  }
  getHeaders(): InProcessHeaders {
    return this.args[1];
  }
}

/** Payloads cross the bus as they would cross the wire (as JSON): a bigint or a Date fails or flattens here too. */
const wire = wireCopy;

/**
 * The process-wide bus of the monolith: each service's `InProcessServer` registers its patterns,
 * clients look them up. One bus per process; services started and stopped independently.
 */
export class InProcessBus {
  private static readonly instance = new InProcessBus();
  static shared(): InProcessBus {
    return InProcessBus.instance;
  }

  private readonly routes = new Map<string, InProcessServer>();

  register(pattern: string, server: InProcessServer): void {
    const existing = this.routes.get(pattern);
    if (existing && existing !== server) throw new Error(`In-process pattern "${pattern}" is already served`);
    this.routes.set(pattern, server);
  }

  unregister(server: InProcessServer): void {
    for (const [pattern, s] of this.routes) if (s === server) this.routes.delete(pattern);
  }

  /** Requests sent in this turn of the event loop, delivered together in the next. */
  private pending: Array<() => void> = [];

  /** Request-reply; with no server for the pattern, answers like NATS "no responders". */
  request(pattern: string, data: unknown, headers: PlainHeaders, reply: (packet: WritePacket) => void): void {
    const server = this.routes.get(pattern);
    // Always asynchronous, as a network hop would be; the requests of one turn arrive in one
    // callback, as the messages of one socket read do from NATS, so that the handlers' database
    // batches (which start once the callback's work is done) take them all.
    if (this.pending.length === 0) setImmediate(() => this.deliver());
    this.pending.push(() => {
      if (!server) return reply({ err: new EmptyResponseException(pattern), isDisposed: true });
      server.handleRequest(pattern, data, headers, reply).catch((err: unknown) => reply({ err, isDisposed: true }));
    });
  }

  private deliver(): void {
    const batch = this.pending;
    this.pending = [];
    for (const run of batch) {
      try {
        run();
      } catch (err) {
        // Thrown where it was before (uncaught, from a callback of its own), not dropping the
        // rest of the turn's requests.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  async emit(pattern: string, data: unknown, headers: PlainHeaders): Promise<void> {
    await this.routes.get(pattern)?.handleIncomingEvent(pattern, data, headers);
  }
}

/**
 * Runs the same `@MessagePattern` handlers, pipes, interceptors and filters as the NATS server;
 * or, for the handlers given to `serveDirectly`, the same validation, steps and error body
 * without Nest's per-message pipeline.
 */
export class InProcessServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(InProcessServer.name);
  private direct?: DirectDispatch;

  constructor(private readonly bus: InProcessBus = InProcessBus.shared()) {
    super();
  }

  listen(callback: () => void): void {
    for (const pattern of this.getHandlers().keys()) this.bus.register(pattern, this);
    callback();
  }

  close(): void {
    this.bus.unregister(this);
  }

  on(): never {
    throw new Error('InProcessServer emits no driver events');
  }

  unwrap<T>(): T {
    return this.bus as unknown as T;
  }

  /** Patterns here are plain strings: a map lookup (Nest's default first tries JSON.parse, which throws). */
  override getHandlerByPattern(pattern: string) {
    return this.messageHandlers.get(pattern) ?? null;
  }

  /** Serves these request patterns by calling their handlers directly (the monolith: a payment makes four such calls). */
  serveDirectly(handlers: ReadonlyMap<string, DirectHandler>, steps: readonly RpcStep[]): void {
    this.direct = DirectDispatch.of(this, handlers, steps);
  }

  async handleRequest(pattern: string, data: unknown, headers: PlainHeaders, reply: (p: WritePacket) => void): Promise<void> {
    const direct = this.direct?.handler(pattern);
    if (direct) return this.reply(pattern, reply, await this.direct!.packet(pattern, new InProcessHeaders(headers), direct, data));
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) return reply({ err: new EmptyResponseException(pattern), isDisposed: true });
    const ctx = new InProcessContext([pattern, new InProcessHeaders(headers)]);
    const result$ = this.transformToObservable(await handler(data, ctx));
    this.send(result$, (packet) => this.reply(pattern, reply, packet));
  }

  /** The reply as it would cross the wire. */
  private reply(pattern: string, reply: (p: WritePacket) => void, packet: WritePacket): void {
    try {
      reply({ ...packet, response: wire(packet.response), err: wire(packet.err) });
    } catch (e) {
      // A reply that cannot cross the wire (e.g. a bigint) is a bug of the handler: say so, do not hang.
      this.log.error(`reply to ${pattern} is not serialisable: ${String(e)}`);
      reply({ err: { code: 'INTERNAL_ERROR', message: 'Internal error' }, isDisposed: true });
    }
  }

  async handleIncomingEvent(pattern: string, data: unknown, headers: PlainHeaders): Promise<void> {
    const ctx = new InProcessContext([pattern, new InProcessHeaders(headers)]);
    try {
      await this.handleEvent(pattern, { pattern, data }, ctx);
    } catch (err) {
      this.log.error(`event handler for ${pattern} failed: ${String(err)}`);
    }
  }
}

interface HeaderBag {
  keys(): string[];
  get(k: string): string;
}

/** A payload with its headers for the in-process bus: what `RpcClient` sends here (no NATS header object to build). */
export class InProcessRecord {
  constructor(
    readonly data: unknown,
    readonly headers: PlainHeaders,
  ) {}
}

/** Accepts an `InProcessRecord`, or the same `NatsRecord` the NATS client takes, so callers never branch on the mode. */
function unwrapRecord(data: unknown): { payload: unknown; headers: PlainHeaders } {
  if (data instanceof InProcessRecord) {
    const headers: PlainHeaders = {};
    for (const [k, v] of Object.entries(data.headers)) headers[k.toLowerCase()] = v;
    return { payload: data.data, headers };
  }
  if (data instanceof NatsRecord) {
    const headers: PlainHeaders = {};
    const bag = data.headers as HeaderBag | undefined;
    for (const k of bag?.keys() ?? []) headers[k.toLowerCase()] = bag!.get(k);
    return { payload: data.data, headers };
  }
  return { payload: data, headers: {} };
}

export class InProcessClient extends ClientProxy {
  constructor(private readonly bus: InProcessBus = InProcessBus.shared()) {
    super();
  }

  async connect(): Promise<void> {}
  close(): void {}

  unwrap<T>(): T {
    return this.bus as unknown as T;
  }

  /**
   * Request-reply without an Observable per call (what `RpcClient` uses): the reply's response,
   * or a rejection with its error; with no reply within `timeoutMs`, a rejection with
   * `onTimeout()`. The same bus, payload copy and handlers as `send`.
   */
  request(pattern: string, payload: unknown, headers: PlainHeaders, timeoutMs: number, onTimeout: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(onTimeout());
      }, timeoutMs);
      const lower: PlainHeaders = {};
      for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
      this.bus.request(pattern, wire(payload), lower, (p) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (p.err !== undefined && p.err !== null) reject(p.err);
        else if ('response' in p) resolve(p.response);
        else reject(new EmptyResponseException(pattern));
      });
    });
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let live = true;
    try {
      const { payload, headers } = unwrapRecord(packet.data);
      this.bus.request(this.normalizePattern(packet.pattern), wire(payload), headers, (p) => {
        if (live) callback(p);
      });
    } catch (err) {
      callback({ err, isDisposed: true });
    }
    return () => {
      live = false;
    };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const { payload, headers } = unwrapRecord(packet.data);
    await this.bus.emit(this.normalizePattern(packet.pattern), wire(payload), headers);
    return undefined as T;
  }
}
