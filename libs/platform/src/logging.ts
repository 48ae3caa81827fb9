import type { LoggerService } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Level, Logger } from 'pino';
import { EdgeMessage, pathOf } from '@paygate/http';
import { RequestContext } from '@paygate/transport';

/**
 * JSON logs (pino) for every service: one line per HTTP request, the Nest logger routed through
 * the same pino instance, and on every line the service and the request id of the payment being
 * handled, also across NATS hops (the id travels in the message envelope and is read back from
 * `RequestContext` by the mixin). Keys and secrets never reach the output: redact paths for the
 * known places plus a censor of known patterns (API keys, webhook secrets, URL passwords,
 * bearer tokens) over every string of every line.
 */

export type LogLevelSetting = 'error' | 'warn' | 'log' | 'debug' | 'verbose';
export type LogFormat = 'json' | 'pretty';

/** Nest's level names (LOG_LEVEL) → pino's. */
export const PINO_LEVELS: Record<LogLevelSetting, Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

// ---------------------------------------------------------------------------------------------
// Redaction

export const REDACTED = '[REDACTED]';

/** Known secret shapes in free text, replaced wherever they appear in a line. */
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // Webhook signing secrets and API keys: keep the prefix so the kind of value is still visible.
  [/\b(whsec)_[A-Za-z0-9+/=_-]+/g, `$1_${REDACTED}`],
  [/\b(pk|sk|rk)_[A-Za-z0-9_-]{6,}/g, `$1_${REDACTED}`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Credentials in URLs (DATABASE_URL, NATS_URL, …): `scheme://user:password@` and `scheme://token@`.
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]+):([^\s/?#@]+)@/gi, `$1$2:${REDACTED}@`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]+)@/gi, `$1${REDACTED}@`],
];

/** Keys whose values are secrets whatever they look like (matched at any depth, any case). */
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|pass|passwd|password|secret|token|.*(secret|password|passwd|pass|token|credential)s?)$/i;

/** Redact paths (pino's fast-redact) for the places secrets are known to sit. */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'password',
  'secret',
  'apiKey',
  'api_key',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.databaseUrl',
  '*.natsPass',
  '*.natsToken',
];

/** Replaces every known secret pattern in a string. */
export function censorString(s: string): string {
  let out = s;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A redacted copy of a value: secret keys masked, every string censored (bounded depth). */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return censorString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown };
    return { type: e.name, message: censorString(e.message), stack: e.stack ? censorString(e.stack) : undefined, code: e.code };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? REDACTED : redactValue(v, depth + 1);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Which service a line belongs to (the monolith runs five in one process) and its request id

export interface LogScope {
  service: string;
  requestId?: string;
}

const scopes = new AsyncLocalStorage<LogScope>();
let processService = 'paygate';

export const LogScopes = {
  run<T>(scope: LogScope, fn: () => T): T {
    return scopes.run(scope, fn);
  },
  current(): LogScope | undefined {
    return scopes.getStore();
  },
  /** The service of the code running now: the scope's, or the process's own name. */
  service(): string {
    return scopes.getStore()?.service ?? processService;
  },
  /** Names the process (`gateway`, …, or `monolith`); the first name given wins. */
  setProcessService(name: string): void {
    if (processService === 'paygate') processService = name;
  },
};

/** Fields on every line: service, the payment's request id, and the trace ids when tracing is on. */
export function logContextFields(): Record<string, string> {
  const scope = scopes.getStore();
  const out: Record<string, string> = { service: scope?.service ?? processService };
  const requestId = RequestContext.current()?.requestId ?? scope?.requestId;
  if (requestId) out.request_id = requestId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span)) {
    out.trace_id = span.traceId;
    out.span_id = span.spanId;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The pino instance

export interface LoggerSettings {
  level: LogLevelSetting;
  format?: LogFormat;
  /** Where lines go (default: stdout). Tests pass an in-memory stream. */
  destination?: DestinationStream;
}

const LEVEL_LABEL_PAD = 5;

/** A cheap human-readable line for development (LOG_FORMAT=pretty): no extra package. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, service, request_id, msg, context, ...rest } = o;
  delete rest.pid;
  delete rest.hostname;
  const head = [
    typeof time === 'string' ? time.slice(11, 23) : '',
    String(level ?? '')
      .toUpperCase()
      .padEnd(LEVEL_LABEL_PAD),
    `[${String(service ?? '')}]`,
    request_id ? `(${String(request_id)})` : '',
    context ? `${String(context)}:` : '',
    String(msg ?? ''),
  ].filter(Boolean);
  const tail = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${head.join(' ')}${tail}\n`;
}

function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line)) };
}

/** A new pino logger with the project's fields, levels and redaction (the process uses `rootLogger`). */
export function createLogger(settings: LoggerSettings): Logger {
  const destination =
    settings.destination ?? (settings.format === 'pretty' ? prettyStream(process.stdout) : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: PINO_LEVELS[settings.level],
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactValue(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((a: unknown) => (typeof a === 'string' ? censorString(a) : a)) as typeof args;
          return method.apply(this, clean);
        },
      },
      mixin: () => logContextFields(),
    },
    destination,
  );
}

let root: Logger | undefined;

/** The process's one logger (the monolith's five apps share it; the scope tells them apart). */
export function rootLogger(settings: LoggerSettings): Logger {
  root ??= createLogger(settings);
  return root;
}

/** Nest's logger routed through pino (`app.useLogger`), via nestjs-pino. */
export function nestLogger(logger: Logger): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}

// ---------------------------------------------------------------------------------------------
// HTTP

const QUIET_PATHS = new Set(['/metrics', '/healthz', '/livez']);

/** The route template (`/payments/:id`), or `unmatched` (bounded values, like the metrics). */
export function routeOf(req: EdgeMessage): string {
  const template = req.route?.path;
  return typeof template === 'string' ? template : 'unmatched';
}

/** Trace ids of the request's server span, when tracing is on (set by the tracing middleware). */
export const HTTP_TRACE_FIELDS = Symbol('paygate.httpTraceFields');

/**
 * One line per HTTP request: method, route, status, duration, request id, service.
 * Probes and scrapes (/metrics, /healthz, /livez) log at debug; 503 (a dependency down: the
 * answer carries a code, the breaker and alerts cover it) at warn; other 5xx at error. The line
 * carries an error only when the response emitted a real one.
 */
export function accessLogMiddleware(
  service: string,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const fields = (req: EdgeMessage, res: ServerResponse, durationMs: number): Record<string, unknown> => ({
    service,
    request_id: req.requestId,
    method: req.method,
    route: routeOf(req),
    path: censorString(pathOf(req)),
    status: res.statusCode,
    duration_ms: durationMs,
    ...((req as unknown as Record<symbol, Record<string, string> | undefined>)[HTTP_TRACE_FIELDS] ?? {}),
  });
  const levelOf = (req: EdgeMessage, res: ServerResponse, err: Error | undefined): 'debug' | 'info' | 'warn' | 'error' => {
    if (QUIET_PATHS.has(pathOf(req))) return 'debug';
    if (res.statusCode === 503 && !realError(err)) return 'warn';
    return realError(err) || res.statusCode >= 500 ? 'error' : 'info';
  };
  // Not pino-http: it builds a child logger per request even when no line will be written (the
  // default level, warn, drops every 2xx line). Here a request costs a timestamp and listeners,
  // and a line is only assembled when its level is enabled.
  return (req, res, next) => {
    const started = Date.now();
    const done = (err?: Error) => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      res.removeListener('error', done);
      const r = req as EdgeMessage;
      const level = levelOf(r, res, err);
      if (!logger.isLevelEnabled(level)) return;
      const line = { ...fields(r, res, Date.now() - started), ...(realError(err) ? { err } : {}) };
      logger[level](line, `${req.method} ${routeOf(r)} ${res.statusCode}`);
    };
    res.on('finish', done);
    res.on('close', done);
    res.on('error', done);
    next();
  };
}

/** A real error, not a made-up "failed with status code" one (as pino-http wrote for any 5xx). */
function realError(err: Error | undefined): boolean {
  return err !== undefined && !err.message.startsWith('failed with status code');
}
