import { CallHandler, ExecutionContext, Injectable, NestInterceptor, OnApplicationShutdown } from '@nestjs/common';
import { Context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Observable } from 'rxjs';
import { ENVELOPE_HEADERS } from '@paygate/contracts';
import { pathOf } from '@paygate/http';
import { RpcCall, RpcStep, TRACER_NAME, endSpan, extractTraceContext, interceptWith, isConnectionLoss } from '@paygate/transport';
import { HTTP_TRACE_FIELDS, LogScopes, routeOf } from './logging';

/**
 * OpenTelemetry tracing, OFF by default. On when `OTEL_TRACES_EXPORTER` names an exporter
 * (`otlp` or `console`) or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
 * keep it off. Exports OTLP/HTTP JSON to `<endpoint>/v1/traces` in batches (the SDK reads the
 * standard `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER*`, `OTEL_EXPORTER_OTLP_HEADERS` variables).
 *
 * Spans: one SERVER span per HTTP request, one CLIENT span per RPC call (libs/transport, context
 * in the `traceparent` message header), one SERVER span per RPC handled (child of the caller's).
 * Each process is one resource (`service.name` = `paygate-<service>`, or `paygate-monolith`);
 * every span also carries `paygate.service`, which tells the monolith's five services apart.
 * When off, no SDK is loaded into the API: spans are the API's no-ops and nothing is exported.
 */

/** The span attribute naming the service (of the five) that did the work. */
export const ATTR_PAYGATE_SERVICE = 'paygate.service';

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').toLowerCase();
  if (exporters.split(',').some((e) => e.trim() === 'none')) return false;
  if (/\b(otlp|console)\b/.test(exporters)) return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Stamps `paygate.service` on spans started without one (RPC client spans) from the log scope. */
class ServiceAttributeProcessor implements SpanProcessor {
  onStart(span: Span & { attributes?: Record<string, unknown> }): void {
    if (span.attributes?.[ATTR_PAYGATE_SERVICE] === undefined) span.setAttribute(ATTR_PAYGATE_SERVICE, LogScopes.service());
  }
  onEnd(): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function exportersOf(env: NodeJS.ProcessEnv): SpanExporter[] {
  const names = (env.OTEL_TRACES_EXPORTER ?? 'otlp')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const out: SpanExporter[] = [];
  if (names.includes('otlp')) out.push(new OTLPTraceExporter());
  if (names.includes('console')) out.push(new ConsoleSpanExporter());
  return out;
}

let provider: NodeTracerProvider | undefined;

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/**
 * Starts tracing for this process if the environment asks for it (once; later calls are no-ops).
 * `name` is the process's service (`gateway`, …) or `monolith`. Returns whether tracing is on.
 */
export function initTracing(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  LogScopes.setProcessService(name);
  if (provider) return true;
  if (!tracingRequested(env)) return false;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol && protocol !== 'http/json') {
    process.emitWarning(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: traces are exported as OTLP/HTTP JSON`);
  }
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || `paygate-${name}`,
      [ATTR_SERVICE_VERSION]: '0.1.0',
      'service.namespace': 'paygate',
    }),
    spanProcessors: [new ServiceAttributeProcessor(), ...exportersOf(env).map((e) => new BatchSpanProcessor(e))],
  });
  provider.register(); // global tracer provider, AsyncLocalStorage context manager, W3C propagator
  return true;
}

/** Exports what is buffered (on shutdown; also handy in tests). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Flushes buffered spans when an app closes (registered in every service root). */
@Injectable()
export class TracingFlusher implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushTracing().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP: a SERVER span per request

const HTTP_SPAN = Symbol('paygate.httpSpan');
type SpanCarrier = IncomingMessage & { requestId?: string; [HTTP_SPAN]?: Span; [HTTP_TRACE_FIELDS]?: Record<string, string> };

/**
 * Starts the request's SERVER span (child of an incoming `traceparent`); ends it when the
 * response finishes, named `METHOD /route/template`. A pass-through when tracing is off.
 */
export function httpSpanMiddleware(service: string) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (!provider) return next();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = trace.getTracer(TRACER_NAME).startSpan(
      `${req.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_PAYGATE_SERVICE]: service,
          'http.request.method': req.method,
          'url.path': pathOf(req),
          'paygate.request_id': (req as SpanCarrier).requestId ?? '',
        },
      },
      parent,
    );
    const carrier = req as SpanCarrier;
    carrier[HTTP_SPAN] = span;
    const sc = span.spanContext();
    carrier[HTTP_TRACE_FIELDS] = { trace_id: sc.traceId, span_id: sc.spanId };
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    next();
  };
}

/**
 * Runs the handler of an HTTP request (after body parsing, whose stream callbacks lose async
 * context) in its service's log scope and, when tracing, with its span active, so that every
 * line logged while handling it names the service and request id and RPC calls become children.
 */
export function requestScope(service: string) {
  return (req: IncomingMessage, run: () => void): void => {
    const span = (req as SpanCarrier)[HTTP_SPAN];
    LogScopes.run({ service, requestId: (req as SpanCarrier).requestId }, () =>
      span ? context.with(trace.setSpan(context.active(), span), run) : run(),
    );
  };
}

// ---------------------------------------------------------------------------------------------
// RPC: a SERVER span per message handled, in the service's log scope

/**
 * The server side of an RPC for logs and traces: sets the service's log scope (with the request
 * id from the envelope), writes one line per message handled (pattern, outcome, duration,
 * request id: the RPC counterpart of the HTTP access line) and, when tracing is on, runs the
 * handler in a SERVER span that is the child of the caller's span carried in the message
 * headers. Registered before `RpcContextInterceptor`.
 */
@Injectable()
export class RpcObservabilityInterceptor implements NestInterceptor, RpcStep {
  constructor(
    private readonly service: string,
    private readonly logger?: Logger,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return interceptWith([this], ctx, next);
  }

  async around(call: RpcCall, next: () => Promise<unknown>): Promise<unknown> {
    const { pattern, headers } = call;
    const scope = { service: this.service, requestId: headers.get(ENVELOPE_HEADERS.requestId) || undefined };
    const started = performance.now();
    let span: Span | undefined;
    let active: Context | undefined;
    if (provider) {
      const parent = extractTraceContext(headers);
      span = trace.getTracer(TRACER_NAME).startSpan(
        `rpc ${pattern}`,
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR_PAYGATE_SERVICE]: this.service, 'rpc.method': pattern, 'paygate.request_id': scope.requestId ?? '' },
        },
        parent,
      );
      active = trace.setSpan(parent, span);
    }
    const done = (err?: unknown) => {
      if (span) endSpan(span, err);
      this.accessLine(pattern, scope.requestId, span, Math.round(performance.now() - started), err);
    };
    try {
      const value = await LogScopes.run(scope, () => (active ? context.with(active, next) : next()));
      done();
      return value;
    } catch (e) {
      done(e);
      throw e;
    }
  }

  private accessLine(pattern: string, requestId: string | undefined, span: Span | undefined, durationMs: number, err?: unknown): void {
    // The code the caller gets (a lost database connection is a 503, not an internal error).
    const code =
      err === undefined
        ? undefined
        : isConnectionLoss(err)
          ? 'SERVICE_UNAVAILABLE'
          : String((err as { code?: unknown })?.code ?? 'INTERNAL_ERROR');
    const level = code === 'INTERNAL_ERROR' ? 'error' : 'info';
    if (!this.logger?.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = { service: this.service, request_id: requestId, pattern, duration_ms: durationMs };
    if (code) fields.code = code;
    const sc = span?.spanContext();
    if (sc) Object.assign(fields, { trace_id: sc.traceId, span_id: sc.spanId });
    this.logger[level](fields, `rpc ${pattern} ${code ?? 'OK'}`);
  }
}
