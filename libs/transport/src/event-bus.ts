import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { NatsConnection, connect } from 'nats';

const log = new Logger('EventBus');

/**
 * Fire-and-forget events between services (e.g. FX ticks): NATS core publish/subscribe, or an
 * in-process emitter shared by the monolith's apps. At-most-once: for what must not be lost,
 * the payments outbox uses JetStream instead.
 */
export abstract class EventBus {
  abstract publish(subject: string, payload: unknown): void;
  /**
   * At-least-once: resolves once the event is stored (NATS JetStream, deduplicated by `msgId`),
   * or handed to the in-process subscribers in the monolith.
   */
  abstract publishDurable(
    stream: { name: string; subjects: readonly string[] },
    subject: string,
    payload: unknown,
    msgId: string,
  ): Promise<void>;
  /** Returns an unsubscribe function. */
  abstract subscribe(subject: string, handler: (payload: unknown) => void): () => void;
  abstract close(): Promise<void>;
}

/** One emitter per process: every app of the monolith publishes and subscribes on it. */
const shared = new EventEmitter().setMaxListeners(0);

export class InProcessEventBus extends EventBus {
  private readonly subscriptions = new Set<() => void>();

  publish(subject: string, payload: unknown): void {
    // The same JSON round trip as the wire: no shared mutable objects between apps.
    const copy = JSON.parse(JSON.stringify(payload)) as unknown;
    setImmediate(() => shared.emit(subject, copy));
  }

  async publishDurable(_stream: { name: string; subjects: readonly string[] }, subject: string, payload: unknown): Promise<void> {
    this.publish(subject, payload);
  }

  subscribe(subject: string, handler: (payload: unknown) => void): () => void {
    shared.on(subject, handler);
    const off = () => {
      shared.off(subject, handler);
      this.subscriptions.delete(off);
    };
    this.subscriptions.add(off);
    return off;
  }

  async close(): Promise<void> {
    for (const off of [...this.subscriptions]) off();
  }
}

export class NatsEventBus extends EventBus {
  private connection?: Promise<NatsConnection>;

  constructor(private readonly options: { servers: string; name: string; user?: string; pass?: string; token?: string }) {
    super();
  }

  private nc(): Promise<NatsConnection> {
    this.connection ??= connect({ ...this.options, servers: [this.options.servers], reconnect: true, maxReconnectAttempts: -1 });
    return this.connection;
  }

  private readonly streams = new Map<string, Promise<void>>();

  async publishDurable(
    stream: { name: string; subjects: readonly string[] },
    subject: string,
    payload: unknown,
    msgId: string,
  ): Promise<void> {
    const nc = await this.nc();
    let ready = this.streams.get(stream.name);
    if (!ready) {
      ready = (async () => {
        const jsm = await nc.jetstreamManager();
        try {
          await jsm.streams.info(stream.name);
        } catch {
          await jsm.streams.add({ name: stream.name, subjects: [...stream.subjects] });
        }
      })();
      this.streams.set(stream.name, ready);
      ready.catch(() => this.streams.delete(stream.name));
    }
    await ready;
    await nc.jetstream().publish(subject, JSON.stringify(payload), { msgID: msgId });
  }

  publish(subject: string, payload: unknown): void {
    this.nc()
      .then((nc) => nc.publish(subject, JSON.stringify(payload)))
      .catch((e: Error) => log.warn(`publish ${subject}: ${e.message}`));
  }

  subscribe(subject: string, handler: (payload: unknown) => void): () => void {
    let closed = false;
    let unsubscribe = () => {
      closed = true;
    };
    this.nc()
      .then(async (nc) => {
        if (closed) return;
        const sub = nc.subscribe(subject);
        unsubscribe = () => sub.unsubscribe();
        for await (const m of sub) {
          try {
            handler(JSON.parse(new TextDecoder().decode(m.data)) as unknown);
          } catch (e) {
            log.warn(`event on ${subject}: ${(e as Error).message}`);
          }
        }
      })
      .catch((e: Error) => log.warn(`subscribe ${subject}: ${e.message}`));
    return () => unsubscribe();
  }

  async close(): Promise<void> {
    if (!this.connection) return;
    const nc = await this.connection.catch(() => undefined);
    await nc?.drain().catch(() => undefined);
  }
}
