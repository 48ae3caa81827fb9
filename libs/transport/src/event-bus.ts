import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { AckPolicy, DeliverPolicy, JsMsg, NatsConnection, connect, nanos } from 'nats';
import { NATS_CONNECTION_OPTIONS } from './nats-options';
import { wireCopy } from './wire-copy';

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
  /**
   * At-least-once consumption of a durable stream: a JetStream durable pull consumer named
   * `durable` (explicit ack; every replica using the same name shares its work), acked only once
   * `handler` resolves, redelivered if it throws or the process dies before. In-process (the
   * monolith), `publishDurable` awaits every durable handler of the stream, so the publisher (the
   * outbox relay) retries until they succeed. Returns a stop function.
   */
  abstract consumeDurable(
    stream: { name: string; subjects: readonly string[] },
    durable: string,
    handler: (payload: unknown) => Promise<void>,
  ): () => Promise<void>;
  abstract close(): Promise<void>;
}

/**
 * Durable handlers of the monolith, per stream and consumer name (one process, one registry).
 * Several under one name share it like replicas of a JetStream consumer: the first one serves.
 */
const durableHandlers = new Map<string, Map<string, Array<(payload: unknown) => Promise<void>>>>();

/** How many messages of a durable consumer are handled at once (also its pull buffer). */
const CONSUME_CONCURRENCY = 64;

/** One emitter per process: every app of the monolith publishes and subscribes on it. */
const shared = new EventEmitter().setMaxListeners(0);

export class InProcessEventBus extends EventBus {
  private readonly subscriptions = new Set<() => void>();

  publish(subject: string, payload: unknown): void {
    // What the wire would deliver (a JSON round trip): no shared mutable objects between apps.
    const copy = wireCopy(payload);
    setImmediate(() => shared.emit(subject, copy));
  }

  async publishDurable(stream: { name: string; subjects: readonly string[] }, subject: string, payload: unknown): Promise<void> {
    this.publish(subject, payload);
    const handlers = [...(durableHandlers.get(stream.name)?.values() ?? [])].flatMap((list) => list.slice(0, 1));
    if (handlers.length === 0) return;
    await Promise.all(handlers.map((h) => h(wireCopy(payload))));
  }

  consumeDurable(
    stream: { name: string; subjects: readonly string[] },
    durable: string,
    handler: (payload: unknown) => Promise<void>,
  ): () => Promise<void> {
    let byName = durableHandlers.get(stream.name);
    if (!byName) durableHandlers.set(stream.name, (byName = new Map()));
    const list = byName.get(durable) ?? [];
    byName.set(durable, [...list, handler]);
    const stop = async () => {
      const now = (byName.get(durable) ?? []).filter((h) => h !== handler);
      if (now.length > 0) byName.set(durable, now);
      else byName.delete(durable);
      this.subscriptions.delete(off);
    };
    const off = () => void stop();
    this.subscriptions.add(off);
    return stop;
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
    this.connection ??= connect({
      ...this.options,
      servers: [this.options.servers],
      ...NATS_CONNECTION_OPTIONS,
    });
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
    await this.ensureStream(nc, stream);
    await nc.jetstream().publish(subject, JSON.stringify(payload), { msgID: msgId });
  }

  private readonly consumers = new Set<() => Promise<void>>();

  consumeDurable(
    stream: { name: string; subjects: readonly string[] },
    durable: string,
    handler: (payload: unknown) => Promise<void>,
  ): () => Promise<void> {
    let stopped = false;
    let close: () => Promise<void> = async () => undefined;
    const handle = async (m: JsMsg): Promise<void> => {
      let payload: unknown;
      try {
        payload = JSON.parse(m.string()) as unknown;
      } catch {
        log.warn(`${durable}: dropping a message on ${m.subject} that is not JSON`);
        m.term();
        return;
      }
      try {
        await handler(payload);
        m.ack();
      } catch (e) {
        log.warn(`${durable}: ${m.subject} #${m.seq}: ${(e as Error).message} (redelivered later)`);
        m.nak(Math.min(30_000, 500 * 2 ** Math.min(m.info.redeliveryCount, 6)));
      }
    };
    const run = async () => {
      // Retries until the stream and consumer exist (NATS may come up after this service).
      for (let wait = 250; !stopped; wait = Math.min(wait * 2, 5_000)) {
        try {
          const nc = await this.nc();
          await this.ensureStream(nc, stream);
          const jsm = await nc.jetstreamManager();
          try {
            await jsm.consumers.info(stream.name, durable);
          } catch {
            await jsm.consumers.add(stream.name, {
              durable_name: durable,
              ack_policy: AckPolicy.Explicit,
              deliver_policy: DeliverPolicy.All,
              ack_wait: nanos(30_000),
            });
          }
          const consumer = await nc.jetstream().consumers.get(stream.name, durable);
          const messages = await consumer.consume({ max_messages: CONSUME_CONCURRENCY });
          close = async () => {
            await messages.close();
          };
          if (stopped) break;
          // Up to a buffer's worth handled at once (each acked on its own), so that the
          // handlers' lookups batch; all of them finish before this consumer is left.
          const inFlight = new Set<Promise<void>>();
          for await (const m of messages) {
            const done: Promise<void> = handle(m).finally(() => inFlight.delete(done));
            inFlight.add(done);
            if (inFlight.size >= CONSUME_CONCURRENCY) await Promise.race(inFlight);
          }
          await Promise.all(inFlight);
          if (stopped) break;
        } catch (e) {
          if (stopped) break;
          log.warn(`durable consumer ${durable} on ${stream.name}: ${(e as Error).message}; retrying`);
        }
        await new Promise((r) => setTimeout(r, wait).unref());
      }
    };
    void run();
    const stop = async () => {
      stopped = true;
      this.consumers.delete(stop);
      await close().catch(() => undefined);
    };
    this.consumers.add(stop);
    return stop;
  }

  private async ensureStream(nc: NatsConnection, stream: { name: string; subjects: readonly string[] }): Promise<void> {
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
    for (const stop of [...this.consumers]) await stop();
    if (!this.connection) return;
    const nc = await this.connection.catch(() => undefined);
    await nc?.drain().catch(() => undefined);
  }
}
