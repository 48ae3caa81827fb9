import { CanActivate, Controller, Get, Inject, OnModuleDestroy, Req, Res, SetMetadata, Type, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Scope } from '@paygate/contracts';
import { EventBus } from '@paygate/transport';
import { ROUTE_SCOPE } from './forwarder';
import { EdgeRequest, headerOf } from './http-context';

/** An event as the stream carries it: `seq` is its id (for `Last-Event-ID`). */
export interface StreamEvent {
  seq: number;
  [field: string]: unknown;
}

export interface EventStreamOptions {
  name: string;
  path: string;
  /** The bus subject the events arrive on. */
  subject: string;
  /** The SSE `event:` name. */
  event: string;
  /** How many recent events are kept for clients resuming with `Last-Event-ID`. */
  replay: number;
  scope: Scope;
  tag: string;
  summary: string;
  description: string;
  guard?: Type<CanActivate>;
  security?: string[];
}

/**
 * A Server-Sent Events endpoint fed by an event-bus subject: each event is sent as
 * `id: <seq>` / `event: <name>` / `data: <json>`; a client reconnecting with `Last-Event-ID`
 * first receives the buffered events after that id, so a short disconnect loses nothing.
 */
export function createEventStreamController(o: EventStreamOptions): Type<unknown> {
  @Controller()
  class EventStreamController implements OnModuleDestroy {
    private readonly recent: StreamEvent[] = [];
    private readonly clients = new Set<ServerResponse>();
    private readonly unsubscribe: () => void;

    constructor(@Inject(EventBus) bus: EventBus) {
      this.unsubscribe = bus.subscribe(o.subject, (payload) => this.dispatch(payload as StreamEvent));
    }

    private dispatch(e: StreamEvent): void {
      if (typeof e?.seq !== 'number') return;
      // A publisher that restarted numbers from 1 again: the old buffer no longer orders with it.
      const last = this.recent[this.recent.length - 1];
      if (last && e.seq <= last.seq) this.recent.length = 0;
      this.recent.push(e);
      if (this.recent.length > o.replay) this.recent.shift();
      const frame = format(o.event, e);
      for (const res of this.clients) res.write(frame);
    }

    stream(req: EdgeRequest, reply: FastifyReply): void {
      // Written straight on Node's response, for as long as the client stays: Fastify steps aside,
      // keeping the headers set before (the rate limiter's).
      reply.hijack();
      const res = reply.raw;
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.setHeader('Connection', 'keep-alive');
      res.setHeader('X-Accel-Buffering', 'no');
      res.flushHeaders();
      res.write('retry: 1000\n\n');
      const lastId = Number(headerOf(req.raw, 'last-event-id') ?? (req.query as Record<string, unknown>)['last_event_id']);
      if (Number.isFinite(lastId)) for (const e of this.recent) if (e.seq > lastId) res.write(format(o.event, e));
      this.clients.add(res);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.raw.on('close', () => {
        clearInterval(heartbeat);
        this.clients.delete(res);
      });
    }

    onModuleDestroy(): void {
      this.unsubscribe();
      for (const res of this.clients) res.end();
      this.clients.clear();
    }
  }
  Object.defineProperty(EventStreamController, 'name', { value: o.name });
  const proto = EventStreamController.prototype as unknown as Record<string, unknown>;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'stream')!;
  Reflect.defineMetadata('design:paramtypes', [Object, Object], proto, 'stream');
  Req()(proto, 'stream', 0);
  Res()(proto, 'stream', 1);
  const decorators: MethodDecorator[] = [
    Get(o.path),
    SetMetadata(ROUTE_SCOPE, o.scope),
    ApiTags(o.tag),
    ApiOperation({ operationId: `${o.event}Stream`, summary: o.summary, description: o.description }),
    ApiProduces('text/event-stream'),
    ApiResponse({ status: 200, description: 'A stream of `id`/`event`/`data` frames (Server-Sent Events)' }),
  ];
  if (o.guard) decorators.push(UseGuards(o.guard));
  for (const s of o.security ?? []) decorators.push(ApiSecurity(s));
  for (const d of [...decorators].reverse()) d(proto, 'stream', descriptor);
  Object.defineProperty(proto, 'stream', descriptor);
  return EventStreamController;
}

function format(event: string, e: StreamEvent): string {
  return `id: ${e.seq}\nevent: ${event}\ndata: ${JSON.stringify(e)}\n\n`;
}
