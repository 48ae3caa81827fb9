import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseLoadArgs } from './command';
import { formatResult, parseDuration } from './report';
import { assertLoopback, LoadOptions, outcomeOf, runLoad, transportOutcome } from './runner';
import { paymentBody } from './scenarios';

/** A local server that answers after `delayMs`, recording the paths it saw. */
async function slowServer(delayMs: (n: number) => number): Promise<{ url: URL; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.url ?? '');
    const n = seen.length;
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(n % 10 === 0 ? '{"id":"x","status":"FAILED","failure_code":"INSUFFICIENT_FUNDS"}' : '{"id":"x","status":"CAPTURED"}');
    }, delayMs(n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), seen, close: () => new Promise((r) => server.close(() => r())) };
}

/** An open loop of GETs to `url` (1 s at 20/s unless told otherwise). */
function openLoop(url: URL, o: Partial<LoadOptions> = {}) {
  return runLoad({
    target: url,
    durationMs: 1000,
    rate: 20,
    connections: 64,
    timeoutMs: 5000,
    maxInFlight: 1000,
    next: (i) => ({ method: 'GET', path: `/p/${i}` }),
    ...o,
  });
}

describe('load runner', () => {
  it('refuses any target that is not loopback', () => {
    for (const u of ['http://10.0.0.1:8080', 'http://example.com', 'http://192.168.1.5', 'http://[2001:db8::1]:80']) {
      expect(() => assertLoopback(new URL(u))).toThrow(/only loopback/);
      expect(() => parseLoadArgs(['--target', u])).toThrow(/only loopback/);
    }
    for (const u of ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:8080', 'http://127.1.2.3'])
      expect(() => assertLoopback(new URL(u))).not.toThrow();
  });

  it('parses its options and rejects bad ones', () => {
    expect(parseLoadArgs([])).toMatchObject({ rate: 100, concurrency: undefined, durationMs: 10_000, scenario: 'payments', fund: true });
    expect(parseLoadArgs(['--concurrency', '8', '--duration', '2m', '--no-fund'])).toMatchObject({
      rate: undefined,
      concurrency: 8,
      durationMs: 120_000,
      fund: false,
    });
    expect(() => parseLoadArgs(['--rate', '10', '--concurrency', '2'])).toThrow(/not both/);
    expect(() => parseLoadArgs(['--duration', '11m'])).toThrow(/duration/);
    expect(parseLoadArgs(['--warmup', '2s'])).toMatchObject({ warmupMs: 2000 });
    expect(parseLoadArgs([])).toMatchObject({ warmupMs: 0 });
    expect(() => parseLoadArgs(['--warmup', '2m'])).toThrow(/--warmup/);
    expect(() => parseLoadArgs(['--rate', '0'])).toThrow(/--rate/);
    expect(() => parseLoadArgs(['--scenario', 'nope'])).toThrow(/--scenario/);
    expect(() => parseLoadArgs(['--bogus'])).toThrow();
    expect(parseDuration('500ms')).toBe(500);
    expect(() => parseDuration('1h')).toThrow(/invalid duration/);
  });

  it('reads outcomes from payment bodies and error envelopes', () => {
    expect(outcomeOf('{"status":"CAPTURED"}')).toBe('CAPTURED');
    expect(outcomeOf('{"status":"FAILED","failure_code":"RISK_DECLINED"}')).toBe('RISK_DECLINED');
    expect(outcomeOf('{"error":{"code":"VALIDATION_ERROR"}}')).toBe('VALIDATION_ERROR');
    expect(outcomeOf('{"decision":"REVIEW","score":50}')).toBe('REVIEW');
    expect(outcomeOf('not json')).toBeUndefined();
  });

  it('keeps the amount of a payment body as its exact text', () => {
    const body = paymentBody(
      { id: 'r', currency: 'IDR', amount: '9007199254740993.25', source_account: 'A', destination_account: 'B' },
      'P-1',
    );
    expect(body).toContain('"amount":9007199254740993.25,');
    expect(() => paymentBody({ id: 'r', currency: 'USD', amount: '1e3', source_account: 'A', destination_account: 'B' }, 'P')).toThrow(
      /plain decimal/,
    );
  });

  it('open loop: sends on schedule whatever the answers, and measures latency from the scheduled time', async () => {
    // Every answer takes 150 ms; at 40/s over 1 s the sender must not wait for them.
    const srv = await slowServer(() => 150);
    try {
      const r = await openLoop(srv.url, { rate: 40 });
      expect(r.sent).toBe(40);
      expect(r.completed).toBe(40);
      expect(new Set(srv.seen).size).toBe(40);
      expect(r.latencyMs.p50).toBeGreaterThanOrEqual(150);
      expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p95);
      expect(r.latencyMs.p95).toBeLessThanOrEqual(r.latencyMs.p99);
      expect(r.latencyMs.p99).toBeLessThanOrEqual(r.latencyMs.max);
      expect(r.outcomes).toEqual({ CAPTURED: 36, INSUFFICIENT_FUNDS: 4 });
      expect(r.statuses).toEqual({ '200': 40 });
    } finally {
      await srv.close();
    }
  });

  it('open loop: with too few connections the queueing shows up as latency (no coordinated omission)', async () => {
    // One connection, 20 ms per answer, offered 100/s: the server can do 50/s, so requests queue
    // and the later ones wait far longer than 20 ms after their scheduled time.
    const srv = await slowServer(() => 20);
    try {
      const r = await runLoad({
        target: srv.url,
        durationMs: 1000,
        rate: 100,
        connections: 1,
        timeoutMs: 10_000,
        maxInFlight: 1000,
        next: (i) => ({ method: 'GET', path: `/q/${i}` }),
      });
      expect(r.completed).toBe(100);
      expect(r.latencyMs.max).toBeGreaterThan(500);
      expect(r.achievedRate).toBeLessThan(100);
    } finally {
      await srv.close();
    }
  });

  it('open loop: the timeline shows which seconds the tail came from', async () => {
    // Answers take 2 ms, except requests 41-60 (scheduled in the third second at 20/s): 300 ms.
    const srv = await slowServer((n) => (n > 40 && n <= 60 ? 300 : 2));
    try {
      const r = await openLoop(srv.url, { durationMs: 3000 });
      expect(r.timeline.map((s) => [s.second, s.completed])).toEqual([
        [0, 20],
        [1, 20],
        [2, 20],
      ]);
      expect(r.timeline[2].p50).toBeGreaterThanOrEqual(300);
      for (const s of r.timeline.slice(0, 2)) expect(s.p99).toBeLessThan(300);
      for (const s of r.timeline) expect(s.p50 <= s.p99 && s.p99 <= s.max).toBe(true);
      expect(formatResult('t', r)).toMatch(/slowest seconds +t=2s p99 /);
    } finally {
      await srv.close();
    }
  });

  it('a warm-up is sent at the same rate and left out of every figure; the measured part starts after it', async () => {
    // The first 10 answers (the 0.5 s warm-up at 20/s) take 400 ms, the rest 2 ms.
    const srv = await slowServer((n) => (n <= 10 ? 400 : 2));
    let measuredFrom = 0;
    try {
      const started = Date.now();
      const r = await openLoop(srv.url, { warmupMs: 500, onMeasureStart: () => (measuredFrom = Date.now() - started) });
      expect(srv.seen).toHaveLength(30);
      expect([r.sent, r.completed, r.warmup]).toEqual([20, 20, { ms: 500, completed: 10 }]);
      expect(r.latencyMs.max).toBeLessThan(400);
      expect(r.timeline.map((s) => s.completed)).toEqual([20]);
      expect(measuredFrom).toBeGreaterThanOrEqual(490);
      expect(formatResult('w', r)).toContain('after a 0.5 s warm-up: 10 requests not counted');
    } finally {
      await srv.close();
    }
  });

  it('an answer slower than the timeout is counted as a TIMEOUT, not thrown', async () => {
    const srv = await slowServer(() => 1500);
    try {
      const r = await openLoop(srv.url, { durationMs: 400, rate: 5, timeoutMs: 200 });
      expect(r.completed).toBe(2);
      expect(r.errors).toBe(2);
      expect(r.statuses).toEqual({ ERROR: 2 });
      expect(r.outcomes).toEqual({ TIMEOUT: 2 });
    } finally {
      await srv.close();
    }
  });

  it('names a transport failure by its socket error code', () => {
    expect(transportOutcome(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(transportOutcome(Object.assign(new Error('slow'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe('TIMEOUT');
    expect(transportOutcome(Object.assign(new Error('closed'), { code: 'UND_ERR_SOCKET' }))).toBe('ECONNRESET');
    expect(transportOutcome(new Error('odd'))).toBe('ERROR');
  });

  it('closed loop: N workers back to back; connection failures are counted, not thrown', async () => {
    const srv = await slowServer(() => 5);
    try {
      const r = await runLoad({
        target: srv.url,
        durationMs: 500,
        concurrency: 4,
        connections: 4,
        timeoutMs: 1000,
        maxInFlight: 100,
        next: () => ({ method: 'GET', path: '/c' }),
      });
      expect(r.discipline).toBe('closed');
      expect(r.completed).toBeGreaterThan(20);
      expect(r.errors).toBe(0);
    } finally {
      await srv.close();
    }
    const dead = await runLoad({
      target: srv.url,
      durationMs: 200,
      rate: 20,
      connections: 2,
      timeoutMs: 500,
      maxInFlight: 10,
      next: () => ({ method: 'GET', path: '/' }),
    });
    expect(dead.errors).toBe(dead.completed);
    expect(dead.outcomes).toEqual({ ECONNREFUSED: dead.completed });
  });
});
