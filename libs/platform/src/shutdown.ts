import { CallHandler, ExecutionContext, INestApplication, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { NatsContext, NatsOptions, ServerNats, WritePacket } from '@nestjs/microservices';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Msg, NatsConnection, Subscription as NatsSubscription } from 'nats';
import { Observable, Subscription, finalize } from 'rxjs';
import { RuntimeConfig, loadRuntimeConfig } from './runtime-config';
import { DirectDispatch, DirectHandler, RpcCall, RpcStep, interceptWith } from '@paygate/transport';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

const NO_HEADERS = { get: () => '' };

type Kind = 'http' | 'rpc';

/** A server that can stop taking new work while what it already took finishes. */
export interface Drainable {
  stopAccepting(): Promise<void>;
}

/**
 * The process's in-flight work: HTTP requests (a middleware) and RPC handlers (an interceptor and
 * the NATS server below), so a shutdown can stop accepting, then wait for exactly that work to
 * finish before the transport and the database go away. One per process: the monolith's five
 * apps share it, since a request on one port may be waiting for a handler behind another.
 */
export class InFlight {
  private readonly responses = new Set<ServerResponse>();
  private rpc = 0;
  private readonly waiters: Array<{ kind: Kind; resolve: () => void }> = [];
  private readonly servers = new Set<Drainable>();
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  count(kind: Kind): number {
    return kind === 'http' ? this.responses.size : this.rpc;
  }

  /** Counts a request until its response is finished or its connection is gone. */
  readonly httpMiddleware = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    this.responses.add(res);
    // While draining, a request that arrives on a kept-alive connection is served, then the
    // connection closes, so the server's close completes and clients reconnect elsewhere.
    if (this.draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      this.responses.delete(res);
      this.settle();
    });
    next();
  };

  rpcStarted(): void {
    this.rpc += 1;
  }

  rpcFinished(): void {
    this.rpc -= 1;
    this.settle();
  }

  registerServer(server: Drainable): void {
    this.servers.add(server);
  }

  /**
   * Draining begins: responses not yet started will close their connection, and open event
   * streams (SSE, which never finish on their own) are ended so their clients reconnect elsewhere.
   */
  beginDrain(): void {
    this.drainingSince ??= Date.now();
    for (const res of this.responses) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
      else if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) res.end();
    }
  }

  /** Stops every RPC server of the process from taking new messages (NATS: subscriptions drained). */
  async stopRpcServers(): Promise<void> {
    await Promise.all([...this.servers].map((s) => s.stopAccepting()));
  }

  /** Resolves when no work of that kind is in flight. */
  whenIdle(kind: Kind): Promise<void> {
    if (this.count(kind) === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ kind, resolve }));
  }

  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (this.count(w.kind) === 0) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** The process's one tracker (the monolith's apps share it). */
export const inFlight = new InFlight();

/** Counts every message handler's execution (NATS and the in-process bus alike). */
@Injectable()
export class RpcInFlightInterceptor implements NestInterceptor, RpcStep {
  constructor(private readonly tracker: InFlight = inFlight) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return interceptWith([this], context, next);
  }

  async around(_call: RpcCall, next: () => Promise<unknown>): Promise<unknown> {
    this.tracker.rpcStarted();
    try {
      return await next();
    } finally {
      this.tracker.rpcFinished();
    }
  }
}

/**
 * Nest's NATS server with a graceful stop: `stopAccepting` drains the subscriptions (the server
 * learns we left the queue group, so the next message goes to another replica, and what was
 * already delivered is still handled), `close` then waits for the handlers in flight, flushes
 * their replies and only then closes the connection.
 */
export class GracefulNatsServer extends ServerNats implements Drainable {
  /** This server's messages in flight: from arrival until the handler's last reply is handed over. */
  private active = 0;
  private direct?: DirectDispatch;
  private idle: Array<() => void> = [];

  constructor(
    options: Required<NatsOptions>['options'],
    private readonly tracker: InFlight = inFlight,
    /** The most `close` waits for handlers in flight (the process's own SIGTERM timer is the real bound). */
    private readonly maxWaitMs = 30_000,
  ) {
    super(options);
    tracker.registerServer(this);
  }

  private begin(): void {
    this.active += 1;
    this.tracker.rpcStarted();
  }

  private end(): void {
    this.active -= 1;
    this.tracker.rpcFinished();
    if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Patterns here are plain strings: a map lookup (Nest's default first tries JSON.parse, which throws). */
  override getHandlerByPattern(pattern: string) {
    return this.messageHandlers.get(pattern) ?? null;
  }

  /** Serves these request patterns by calling their handlers directly (DirectDispatch), as the monolith's bus does. */
  serveDirectly(handlers: ReadonlyMap<string, DirectHandler>, steps: readonly RpcStep[]): void {
    this.direct = DirectDispatch.of(this, handlers, steps);
  }

  /** Counted from arrival (before deserialising, guards and pipes), overlapping `send` below. */
  override async handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    this.begin();
    try {
      const direct = this.direct?.handler(channel);
      return await (direct ? this.handleDirectly(channel, natsMsg, direct) : super.handleMessage(channel, natsMsg));
    } finally {
      this.end();
    }
  }

  /** What `super.handleMessage` does for a request, with the handler called directly; an event takes Nest's path. */
  private async handleDirectly(channel: string, natsMsg: Msg, handler: DirectHandler): Promise<unknown> {
    const message = await this.deserializer.deserialize(natsMsg.data, { channel, replyTo: natsMsg.reply });
    const ctx = new NatsContext([natsMsg.subject, natsMsg.headers]);
    if (!('id' in message) || message.id === undefined) return this.handleEvent(channel, message, ctx);
    const publish = this.getPublisher(natsMsg, message.id, ctx);
    return publish(await this.direct!.packet(channel, natsMsg.headers ?? NO_HEADERS, handler, message.data));
  }

  /** The handler runs when Nest subscribes to its result here: counted until that completes or fails. */
  override send(stream$: Observable<unknown>, respond: (data: WritePacket) => Promise<unknown> | void): Subscription {
    this.begin();
    return super.send(stream$.pipe(finalize(() => this.end())), respond);
  }

  async stopAccepting(): Promise<void> {
    const subs = (this as unknown as { subscriptions: NatsSubscription[] }).subscriptions ?? [];
    await Promise.all(subs.map((s) => (s.isClosed() ? undefined : s.drain().catch(() => undefined))));
  }

  override async close(): Promise<void> {
    await this.stopAccepting();
    if (this.active > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idle.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.maxWaitMs).unref())),
      ]);
      clearTimeout(timer);
    }
    // Replies are published on the tick after a handler completes: let them out, then flush.
    await new Promise((resolve) => setImmediate(resolve));
    const nc = this.unwrap<NatsConnection | null>();
    if (nc && !nc.isClosed()) await nc.flush().catch(() => undefined);
    await super.close();
  }

  override unwrap<T>(): T {
    return (this as unknown as { natsClient: T }).natsClient;
  }
}

/** Stops accepting new connections; idle kept-alive ones are closed, busy ones when their response is out. */
function stopListening(server: Server): void {
  if (!server.listening) return;
  server.close();
  server.closeIdleConnections();
}

/**
 * Graceful stop of one process's apps: stop accepting HTTP, let the requests in flight finish,
 * stop taking messages, let the handlers in flight finish, then `close` (Nest's shutdown hooks:
 * NATS connections drained, database pools ended).
 */
export async function drainAndClose(apps: INestApplication[], close: () => Promise<void>, tracker: InFlight = inFlight): Promise<void> {
  tracker.beginDrain();
  for (const app of apps) stopListening(app.getHttpServer() as Server);
  await tracker.whenIdle('http');
  await tracker.stopRpcServers();
  await tracker.whenIdle('rpc');
  await close();
}

export interface SignalOptions {
  /** After this long the process exits 1 whatever is still running (keep it under the orchestrator's kill timeout). */
  timeoutMs: number;
  log?: (line: string) => void;
}

/** On the first SIGTERM or SIGINT: `stop()`, then exit 0 (1 if it fails or overruns `timeoutMs`). */
export function exitOnSignal(stop: () => Promise<void>, opts: SignalOptions): void {
  const logger = new Logger('Shutdown');
  const log = opts.log ?? ((line: string) => logger.warn(line));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining (up to ${opts.timeoutMs} ms), then exiting`);
    const timer = setTimeout(() => {
      log(`shutdown did not finish within ${opts.timeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, opts.timeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log(`shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/**
 * A service's `main`: load and check the configuration, start, then on SIGTERM/SIGINT drain and
 * exit 0. A failed start (bad configuration, unreachable database) prints its message, exits 1.
 */
export function runUntilSignal(
  start: (rt: RuntimeConfig) => Promise<INestApplication>,
  loadConfig: () => RuntimeConfig = () => loadRuntimeConfig(),
): void {
  let rt: RuntimeConfig;
  Promise.resolve()
    .then(() => {
      rt = loadConfig();
      return start(rt);
    })
    .then(
      (app) =>
        exitOnSignal(() => drainAndClose([app], () => app.close()), { timeoutMs: rt.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS }),
      (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
}
