import { Context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, TextMapGetter, context, propagation, trace } from '@opentelemetry/api';
import { DomainError, Envelope } from '@paygate/contracts';

/**
 * W3C trace context across the transport. With no OpenTelemetry SDK registered (tracing off,
 * the default) every call here is the API's no-op: no span is recorded and no header changes.
 * With it on, each RPC call is a CLIENT span whose context travels as the `traceparent` (and
 * `tracestate`) message header, NATS or in-process alike; the server side extracts it and
 * starts its SERVER span as a child, so one payment is one trace across the services.
 */
export const TRACER_NAME = 'paygate';

/** Headers of either transport: NATS `MsgHdrs` and `InProcessHeaders` both answer '' when absent. */
export interface HeaderReader {
  get(name: string): string;
}

const headerGetter: TextMapGetter<HeaderReader> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: () => [],
};

/** The remote parent carried by a message's headers (ROOT when there is none or tracing is off). */
export function extractTraceContext(headers: HeaderReader | undefined, base: Context = ROOT_CONTEXT): Context {
  return headers ? propagation.extract(base, headers, headerGetter) : base;
}

/** Writes the span's context into outgoing headers (`traceparent`, `tracestate`). */
export function injectTraceContext(span: Span, headers: Record<string, string>): void {
  if (!span.isRecording()) return;
  propagation.inject(trace.setSpan(context.active(), span), headers);
}

/**
 * The parent of an outgoing call: the active span (the HTTP or RPC span being served), else the
 * envelope's `traceparent` (e.g. a call made after the handler's context was lost).
 */
function parentOf(env: Envelope): Context {
  const active = context.active();
  if (trace.getSpan(active) || !env.traceparent) return active;
  return propagation.extract(active, { traceparent: env.traceparent });
}

/** Starts the CLIENT span of one RPC call (a non-recording no-op when tracing is off). */
export function startRpcClientSpan(pattern: string, env: Envelope, system: string): Span {
  return trace.getTracer(TRACER_NAME).startSpan(
    `rpc ${pattern}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': system, 'rpc.method': pattern, 'paygate.request_id': env.requestId },
    },
    parentOf(env),
  );
}

/** Ends a span with the outcome of the work: a domain error code, or OK. */
export function endSpan(span: Span, err?: unknown): void {
  if (!span.isRecording()) return;
  if (err !== undefined) {
    const code = err instanceof DomainError ? err.code : ((err as { code?: unknown })?.code ?? 'INTERNAL_ERROR');
    span.setAttribute('paygate.error_code', String(code));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(code) });
  }
  span.end();
}
