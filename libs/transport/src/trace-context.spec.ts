import type { ClientProxy, NatsRecord } from '@nestjs/microservices';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { of, throwError } from 'rxjs';
import type { Envelope } from '@paygate/contracts';
import { RpcClient } from './rpc-client';
import { extractTraceContext, injectTraceContext, startRpcClientSpan } from './trace-context';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

function envelope(extra: Partial<Envelope> = {}): Envelope {
  return { requestId: 'req_1', merchantId: 'm_1', deadline: Date.now() + 5000, ...extra };
}

/** A proxy that records the headers of what it is asked to send and answers `{ ok: true }`. */
function recordingProxy(): { proxy: ClientProxy; headers: () => Record<string, string> } {
  let sent: NatsRecord | undefined;
  const proxy = {
    send: (_pattern: string, record: NatsRecord) => {
      sent = record;
      return of({ ok: true });
    },
  } as unknown as ClientProxy;
  return {
    proxy,
    headers: () => {
      const h = sent?.headers as unknown as { keys(): string[]; get(k: string): string };
      return Object.fromEntries(h.keys().map((k) => [k, h.get(k)]));
    },
  };
}

const reader = (h: Record<string, string>) => ({ get: (k: string) => h[k] ?? '' });

describe('trace context in message headers, tracing off (no SDK registered)', () => {
  it('records nothing and passes the envelope traceparent through unchanged', async () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const span = startRpcClientSpan('fx.quote', envelope({ traceparent: incoming }), 'nats');
    expect(span.isRecording()).toBe(false);
    const headers: Record<string, string> = { traceparent: incoming };
    injectTraceContext(span, headers);
    expect(headers).toEqual({ traceparent: incoming });

    const { proxy, headers: sent } = recordingProxy();
    await new RpcClient(proxy, { maxCallMs: 1000, defaultBudgetMs: 1000 }).send('fx.quote', {}, envelope({ traceparent: incoming }));
    expect(sent().traceparent).toBe(incoming);
    expect(sent()['x-request-id']).toBe('req_1');
  });
});

describe('trace context in message headers, tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
  });
  beforeEach(() => exporter.reset());

  it('injects the CLIENT span as W3C traceparent, child of the active span, and extracts it back', async () => {
    const tracer = trace.getTracer('test');
    const serving = tracer.startSpan('POST /payments', { kind: SpanKind.SERVER });
    const { proxy, headers } = recordingProxy();
    const client = new RpcClient(proxy, { maxCallMs: 1000, defaultBudgetMs: 1000 });

    await context.with(trace.setSpan(context.active(), serving), () => client.send('payments.create', { a: 1 }, envelope()));
    serving.end();

    const sent = headers();
    const m = TRACEPARENT.exec(sent.traceparent);
    expect(m).not.toBeNull();
    const [clientSpan] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(clientSpan.name).toBe('rpc payments.create');
    expect(clientSpan.spanContext().traceId).toBe(serving.spanContext().traceId);
    expect(clientSpan.parentSpanContext?.spanId).toBe(serving.spanContext().spanId);
    // The header names the client span: the server's span becomes its child.
    expect(m![1]).toBe(serving.spanContext().traceId);
    expect(m![2]).toBe(clientSpan.spanContext().spanId);
    expect(sent['x-request-id']).toBe('req_1');

    const remote = trace.getSpanContext(extractTraceContext(reader(sent)));
    expect(remote).toMatchObject({ traceId: serving.spanContext().traceId, spanId: clientSpan.spanContext().spanId, isRemote: true });
    const server = tracer.startSpan('rpc payments.create', { kind: SpanKind.SERVER }, extractTraceContext(reader(sent)));
    expect(server.spanContext().traceId).toBe(serving.spanContext().traceId);
    server.end();
  });

  it("continues the envelope's traceparent when no span is active", async () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { proxy, headers } = recordingProxy();
    await new RpcClient(proxy, { maxCallMs: 1000, defaultBudgetMs: 1000 }).send('risk.score', {}, envelope({ traceparent: incoming }));
    const [, traceId, parentId] = TRACEPARENT.exec(headers().traceparent)!;
    expect(traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentId).not.toBe('b7ad6b7169203331');
    expect(exporter.getFinishedSpans()[0].parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('marks a failed call with its error code', async () => {
    const proxy = { send: () => throwError(() => ({ code: 'RATE_STALE', message: 'no' })) };
    const client = new RpcClient(proxy as unknown as ClientProxy, { maxCallMs: 1000, defaultBudgetMs: 1000 });
    await expect(client.send('fx.quote', {}, envelope())).rejects.toMatchObject({ code: 'RATE_STALE' });
    const [span] = exporter.getFinishedSpans();
    expect(span.attributes['paygate.error_code']).toBe('RATE_STALE');
    expect(span.status.code).toBe(2);
  });

  it('finds no remote parent in headers without one', () => {
    expect(trace.getSpanContext(extractTraceContext(reader({})))).toBeUndefined();
  });
});
