/**
 * Logs and traces across NATS, in the real deployment: the five services as separate processes
 * (test/support/stack.ts), one payment that converts (gateway → payments → wallet, risk, fx).
 *
 * - Its request id appears in the JSON logs of every service it touched, on lines of that service.
 * - It is one trace: spans exported by the processes over OTLP/HTTP (JSON) to a loopback receiver
 *   in this test, from gateway, payments, risk, wallet and fx, with correct parent/child links:
 *   the gateway's SERVER span continues the caller's `traceparent`, every RPC SERVER span is the
 *   child of the CLIENT span that called it (context carried in the NATS message headers).
 * - No API key or password reaches any log.
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { eventually } from './support/eventually';
import { DEFAULT_DEMO_API_KEY } from '@paygate/platform';
import { spawnMonolith } from './support/spawn-monolith';
import { STACK_SERVICES, startStack } from './support/stack';

jest.setTimeout(240_000);

// ----------------------------------------------------------------------------------- OTLP receiver

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans: Array<{ spans?: OtlpSpan[] }> }>;
}
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'SERVER' | 'CLIENT' | 'OTHER';
  resource: string;
  attrs: Record<string, string>;
}

const KINDS: Record<number, Span['kind']> = { 2: 'SERVER', 3: 'CLIENT' };

function attrs(list: OtlpAttribute[] = []): Record<string, string> {
  return Object.fromEntries(list.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? '')]));
}

/** OTLP/HTTP JSON: ids are hex strings (the JS exporter's JSON encoding). */
function flatten(body: OtlpExport): Span[] {
  const out: Span[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes)['service.name'] ?? '?';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: KINDS[s.kind] ?? 'OTHER',
          resource,
          attrs: attrs(s.attributes),
        });
      }
    }
  }
  return out;
}

async function otlpReceiver(): Promise<{ url: string; spans: Span[]; errors: string[]; close(): Promise<void> }> {
  const spans: Span[] = [];
  const errors: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        if (!String(req.headers['content-type']).includes('json')) throw new Error(`content-type ${req.headers['content-type']}`);
        spans.push(...flatten(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (e) {
        errors.push(String(e));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    errors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ----------------------------------------------------------------------------------------- logs

type LogLine = Record<string, unknown>;

function jsonLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut by a kill, or not ours
    }
  }
  return out;
}

/** Retries a probe full of `expect`s until it passes (the last failure is the error on timeout). */
async function settled<T>(probe: () => T, timeoutMs: number, what: string): Promise<T> {
  let last: unknown;
  try {
    return await eventually(
      async () => {
        try {
          return probe();
        } catch (e) {
          last = e;
          return undefined;
        }
      },
      timeoutMs,
      what,
    );
  } catch (e) {
    throw last ?? e;
  }
}

// ----------------------------------------------------------------------------------------- suite

const TOUCHED = ['gateway', 'payments', 'risk', 'wallet', 'fx'] as const;
type Touched = (typeof TOUCHED)[number];

/** What the suite needs of a running deployment, whichever way it was spawned. */
interface Deployment {
  gatewayUrl: string;
  auth: Record<string, string>;
  demoKey: string;
  /** The JSON lines written by (or, in the monolith, for) the service. */
  lines(service: Touched): LogLine[];
  /** Everything the processes wrote. */
  allText(): string;
  /** The OTLP `service.name` of the process running the service. */
  resourceOf(service: Touched): string;
  stop(keepLogs: boolean): Promise<void>;
}

const OTEL_ENV = (endpoint: string) => ({
  LOG_LEVEL: 'log',
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '100',
});

function suite(title: string, deploy: (otlpUrl: string) => Promise<Deployment>): void {
  describe(title, () => {
    let d: Deployment;
    let otlp: Awaited<ReturnType<typeof otlpReceiver>>;
    let passed = 0;

    beforeAll(async () => {
      otlp = await otlpReceiver();
      d = await deploy(otlp.url);
    }, 600_000);

    afterAll(async () => {
      await d?.stop(passed < 4);
      await otlp?.close();
    }, 60_000);

    const requestId = `req_logs_${randomBytes(6).toString('hex')}`;
    const callerTraceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const paymentId = `PAY-OBS-${randomBytes(4).toString('hex')}`;

    it('makes a converting payment through the gateway', async () => {
      const res = await request(d.gatewayUrl)
        .post('/payments')
        .set(d.auth)
        .set('X-Request-Id', requestId)
        .set('traceparent', `00-${callerTraceId}-${callerSpanId}-01`)
        .send({ id: paymentId, currency: 'IDR', amount: '1500000.00', source_account: 'ACC_SRC_ABC', destination_account: 'ACC_DST_DEF' });
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe(requestId);
      expect(res.body).toMatchObject({ id: paymentId, status: 'CAPTURED', debit: { currency: 'USD' } });
      passed++;
    });

    it("the payment's request id is in the logs of every service it touched, on that service's lines", async () => {
      const lines = await settled(
        () => {
          const byService = Object.fromEntries(TOUCHED.map((s) => [s, d.lines(s).filter((l) => l.request_id === requestId)])) as Record<
            Touched,
            LogLine[]
          >;
          for (const s of TOUCHED) expect(byService[s].length).toBeGreaterThan(0);
          return byService;
        },
        30_000,
        'the request id in every service log',
      );

      // The gateway's access line: method, route template, status, duration, request id, trace id.
      const access = lines.gateway.find((l) => l.route === '/payments' && l.method === 'POST');
      expect(access).toMatchObject({ level: 'info', status: 200, service: 'gateway', request_id: requestId, trace_id: callerTraceId });
      expect(typeof access!.duration_ms).toBe('number');
      expect(typeof access!.time).toBe('string');

      // Each backend wrote one line per message it served (pattern, outcome, duration), and every
      // line written while serving it carries the payment's request id and the trace id.
      for (const s of ['payments', 'risk', 'wallet', 'fx'] as const) {
        expect(lines[s].some((l) => typeof l.pattern === 'string' && l.pattern.startsWith(`${s}.`))).toBe(true);
        expect(lines[s].every((l) => l.trace_id === callerTraceId)).toBe(true);
      }
      passed++;
    });

    it('is one trace across gateway, payments, risk, wallet and fx with correct parent/child links', async () => {
      const trace = await settled(
        () => {
          expect(otlp.errors).toEqual([]);
          const mine = otlp.spans.filter((s) => s.traceId === callerTraceId);
          const services = new Set(mine.map((s) => s.attrs['paygate.service']));
          for (const s of TOUCHED) expect(services).toContain(s);
          // Every RPC SERVER span has arrived with its CLIENT parent.
          const servers = mine.filter((s) => s.kind === 'SERVER' && s.name.startsWith('rpc '));
          expect(servers.length).toBeGreaterThanOrEqual(5);
          for (const srv of servers) expect(mine.some((c) => c.spanId === srv.parentSpanId)).toBe(true);
          return mine;
        },
        30_000,
        'the spans of the payment from every service',
      );
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      for (const s of trace) expect(s.resource).toBe(d.resourceOf(s.attrs['paygate.service'] as Touched));

      // The root of our part is the gateway's HTTP SERVER span, child of the caller's traceparent.
      const roots = trace.filter((s) => s.parentSpanId === callerSpanId);
      expect(roots).toHaveLength(1);
      const root = roots[0];
      expect(root).toMatchObject({ kind: 'SERVER', name: 'POST /payments' });
      expect(root.attrs).toMatchObject({ 'http.route': '/payments', 'http.response.status_code': '200', 'paygate.service': 'gateway' });
      // Everything else hangs off a span of the same trace.
      for (const s of trace) if (s !== root) expect(byId.has(s.parentSpanId!)).toBe(true);

      // gateway → payments: a gateway CLIENT span, child of its HTTP span, parent of payments' SERVER span.
      const created = trace.filter((s) => s.kind === 'SERVER' && s.attrs['paygate.service'] === 'payments');
      expect(created).toHaveLength(1);
      const create = created[0];
      expect(create.name).toBe('rpc payments.create');
      const gwClient = byId.get(create.parentSpanId!)!;
      expect(gwClient).toMatchObject({ kind: 'CLIENT', name: create.name });
      expect(gwClient.attrs['paygate.service']).toBe('gateway');
      expect(gwClient.parentSpanId).toBe(root.spanId);

      // payments → risk, wallet, fx: each SERVER span's parent is a payments CLIENT span under payments' SERVER span.
      for (const svc of ['risk', 'wallet', 'fx'] as const) {
        const served = trace.filter((s) => s.kind === 'SERVER' && s.attrs['paygate.service'] === svc);
        expect(served.length).toBeGreaterThan(0);
        for (const srv of served) {
          expect(srv.name.startsWith(`rpc ${svc}.`)).toBe(true);
          const caller = byId.get(srv.parentSpanId!)!;
          expect(caller).toMatchObject({ kind: 'CLIENT', name: srv.name });
          expect(caller.attrs['paygate.service']).toBe('payments');
          expect(caller.parentSpanId).toBe(create.spanId);
        }
      }
      for (const s of trace) if (s !== root) expect(s.attrs['paygate.request_id']).toBe(requestId);
      passed++;
    });

    it('writes no API key, authorization header or password to any log', () => {
      const text = d.allText();
      expect(text).not.toContain(d.demoKey);
      expect(text.toLowerCase()).not.toContain('bearer pk_');
      expect(text).not.toMatch(/(postgres(ql)?|nats):\/\/[^\s:@/]+:[^\s@[]+@/);
      passed++;
    });
  });
}

// ----------------------------------------------------------------------------------------- modes

suite('logs and traces across NATS (five processes)', async (otlpUrl) => {
  const stack = await startStack({ env: OTEL_ENV(otlpUrl) });
  return {
    gatewayUrl: stack.urls.gateway,
    auth: stack.auth(),
    demoKey: stack.demoKey,
    lines: (s) => jsonLines(stack.logs(s)),
    allText: () => STACK_SERVICES.map((s) => stack.logs(s)).join('\n'),
    resourceOf: (s) => `paygate-${s}`,
    stop: (keepLogs) => stack.stop({ keepLogs }),
  };
});

suite('logs and traces in the monolith (one process, in-process bus)', async (otlpUrl) => {
  const m = await spawnMonolith(OTEL_ENV(otlpUrl));
  return {
    gatewayUrl: m.urls.gateway,
    auth: { Authorization: `Bearer ${DEFAULT_DEMO_API_KEY}` },
    demoKey: DEFAULT_DEMO_API_KEY,
    // One process, one output: each line names the service whose work it logged.
    lines: (s) => jsonLines(m.logs()).filter((l) => l.service === s),
    // Its lines, not the start banner, which shows the local demo key on purpose (never in production).
    allText: () =>
      m
        .logs()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    resourceOf: () => 'paygate-monolith',
    stop: (keepLogs) => m.stop(keepLogs),
  };
});
