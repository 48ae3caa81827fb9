import { build as buildHistogram, Histogram } from 'hdr-histogram-js';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * The load engine, framework-free. Two disciplines:
 * - open loop (`rate`): request i is due at t0 + i/rate whatever happened before it, and its
 *   latency is measured from that scheduled time, so a slow server cannot hide latency by
 *   slowing the sender down (no coordinated omission);
 * - closed loop (`concurrency`): N workers send back to back, to find a ceiling.
 */

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadOptions {
  target: URL;
  durationMs: number;
  /**
   * Sent first at the same rate or concurrency, answered, and not counted: the steady state is
   * measured, not the start (connections opening, code not yet optimised on either side).
   */
  warmupMs?: number;
  /** Called when the measured part starts (after the warm-up). */
  onMeasureStart?: () => void;
  /** Open loop: requests per second. */
  rate?: number;
  /** Closed loop: concurrent workers. */
  concurrency?: number;
  /** Sockets to the target (open loop). */
  connections: number;
  timeoutMs: number;
  /** Requests still in flight beyond this are not sent but counted as `dropped` (the client is the bottleneck). */
  maxInFlight: number;
  next: (i: number) => LoadRequest;
  /** Called about once a second with a snapshot. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  elapsedMs: number;
  sent: number;
  completed: number;
  inFlight: number;
  errors: number;
}

export interface LoadResult {
  discipline: 'open' | 'closed';
  target: string;
  durationS: number;
  offeredRate: number | null;
  achievedRate: number;
  sent: number;
  completed: number;
  dropped: number;
  /** Transport failures (refused, reset, timeout): no HTTP status. */
  errors: number;
  /** Requests sent and answered during the warm-up, before the measured part (not in any other figure). */
  warmup: { ms: number; completed: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  /** `status` of a payment body, `failure_code`, or `error.code` of an error envelope. */
  outcomes: Record<string, number>;
  /**
   * Second by second, by each request's scheduled send time: how many completed and their
   * latency. A tail spread evenly is a slow path; one bunched in a few seconds is a stall.
   */
  timeline: SecondStats[];
}

export interface SecondStats {
  /** Seconds from the measured start (after any warm-up): requests scheduled in [second, second + 1). */
  second: number;
  completed: number;
  p50: number;
  p99: number;
  max: number;
}

interface Sample {
  status: number | 'ERROR';
  outcome?: string;
}

/** Only loopback targets: load never leaves this machine. */
export function assertLoopback(target: URL): void {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host) && !/^127\.\d+\.\d+\.\d+$/.test(host)) {
    throw new Error(`refusing to send load to ${target.host}: only loopback targets (127.0.0.1, localhost, ::1) are allowed`);
  }
}

/** What an answer says about the operation: a payment's status or failure code, or an error code. */
export function outcomeOf(body: string): string | undefined {
  if (!body || body[0] !== '{') return undefined;
  try {
    const parsed = JSON.parse(body) as { status?: unknown; failure_code?: unknown; error?: { code?: unknown }; decision?: unknown };
    if (typeof parsed.failure_code === 'string') return parsed.failure_code;
    if (typeof parsed.status === 'string') return parsed.status;
    if (typeof parsed.error?.code === 'string') return parsed.error.code;
    if (typeof parsed.decision === 'string') return parsed.decision;
  } catch {
    return undefined;
  }
  return undefined;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  assertLoopback(o.target);
  if (!o.rate === !o.concurrency) throw new Error('give either a rate (open loop) or a concurrency (closed loop)');
  // undici's pool: keep-alive sockets, at most `connections` of them (a request beyond waits for
  // one, and its wait counts as latency). It costs the load generator about a third less CPU per
  // request than node:http's agent, CPU the services under test share on this machine.
  const pool = new Pool(o.target.origin, { connections: o.concurrency ?? o.connections });
  const histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const statuses: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const state = { sent: 0, completed: 0, errors: 0, dropped: 0, inFlight: 0 };
  const warmup = { ms: o.warmupMs ?? 0, completed: 0 };
  let maxUs = 0;
  const perSecond: number[][] = [];
  const t0 = performance.now();
  // The measured part: requests scheduled from here on.
  const m0 = t0 + warmup.ms;

  // `at`: the scheduled send time in ms from t0. The open loop computes it exactly (i × 1000 /
  // rate), so a request due on a second's boundary counts in that second, not the one before it
  // (t0 + at - t0 in floating point can land just below).
  const record = (at: number, s: Sample) => {
    state.inFlight -= 1;
    if (at < warmup.ms) {
      warmup.completed += 1;
      return;
    }
    const us = Math.max(1, Math.round((performance.now() - t0 - at) * 1000));
    histogram.recordValue(us);
    maxUs = Math.max(maxUs, us);
    (perSecond[Math.floor((at - warmup.ms) / 1000)] ??= []).push(us);
    state.completed += 1;
    statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
    if (s.status === 'ERROR') state.errors += 1;
    if (s.outcome) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
  };
  const fire = (i: number, at: number): Promise<void> => {
    if (at >= warmup.ms) state.sent += 1;
    state.inFlight += 1;
    return send(pool, o.next(i), o.timeoutMs).then((s) => record(at, s));
  };

  const end = m0 + o.durationMs;
  const measureStart = o.onMeasureStart && setTimeout(o.onMeasureStart, warmup.ms);
  const ticker = setInterval(() => o.onProgress?.({ elapsedMs: performance.now() - t0, ...state }), 1000);
  try {
    if (o.rate) await openLoop(o.rate, t0, warmup.ms, warmup.ms + o.durationMs, o.maxInFlight, state, fire);
    else await closedLoop(o.concurrency!, t0, end, fire);
  } finally {
    clearTimeout(measureStart);
    clearInterval(ticker);
    await pool.destroy();
  }
  const elapsedS = (performance.now() - m0) / 1000;
  return {
    discipline: o.rate ? 'open' : 'closed',
    target: o.target.origin,
    durationS: round(elapsedS, 2),
    offeredRate: o.rate ?? null,
    achievedRate: round(state.completed / elapsedS, 1),
    sent: state.sent,
    completed: state.completed,
    dropped: state.dropped,
    errors: state.errors,
    warmup,
    latencyMs: latencies(histogram, maxUs),
    statuses,
    outcomes,
    timeline: timeline(perSecond),
  };
}

function timeline(perSecond: number[][]): SecondStats[] {
  const rows: SecondStats[] = [];
  for (const [second, us] of perSecond.entries()) {
    if (!us) continue;
    us.sort((a, b) => a - b);
    // Nearest rank, like the histogram's percentiles.
    const at = (p: number) => ms(us[Math.max(0, Math.ceil((p / 100) * us.length) - 1)]);
    rows.push({ second, completed: us.length, p50: at(50), p99: at(99), max: ms(us[us.length - 1]) });
  }
  return rows;
}

async function openLoop(
  rate: number,
  t0: number,
  measuredFrom: number,
  until: number,
  maxInFlight: number,
  state: { inFlight: number; dropped: number },
  fire: (i: number, at: number) => Promise<void>,
): Promise<void> {
  const pending = new Set<Promise<void>>();
  // Request i is due `due(i)` ms after t0.
  const due = (i: number) => (i * 1000) / rate;
  let i = 0;
  for (;;) {
    const now = performance.now() - t0;
    // Send everything that is due: the schedule does not wait for answers.
    while (due(i) <= now && due(i) < until) {
      const at = due(i);
      if (state.inFlight >= maxInFlight) state.dropped += at >= measuredFrom ? 1 : 0;
      else {
        const p = fire(i, at);
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      i += 1;
    }
    if (due(i) >= until) break;
    await delay(Math.min(Math.max(0, due(i) - (performance.now() - t0)), 5));
  }
  await Promise.all(pending);
}

async function closedLoop(concurrency: number, t0: number, end: number, fire: (i: number, at: number) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (performance.now() < end) await fire(i++, performance.now() - t0);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** One request: its status and outcome, or (no answer) `ERROR` and why. */
async function send(pool: Pool, r: LoadRequest, timeoutMs: number): Promise<Sample> {
  const headers =
    r.body !== undefined && !hasHeader(r.headers, 'content-type') ? { ...r.headers, 'content-type': 'application/json' } : r.headers;
  try {
    const res = await pool.request({
      method: r.method,
      path: r.path,
      headers,
      body: r.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, outcome: outcomeOf(await res.body.text()) };
  } catch (e) {
    return { status: 'ERROR', outcome: transportOutcome(e as Error & { code?: string }) };
  }
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** A transport failure as an outcome: the socket error's code (ECONNREFUSED, ECONNRESET…), or TIMEOUT. */
export function transportOutcome(e: Error & { code?: string }): string {
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'TIMEOUT';
  if (e.code === 'UND_ERR_SOCKET') return 'ECONNRESET';
  return e.code ?? 'ERROR';
}

function latencies(h: Histogram, maxUs: number): LoadResult['latencyMs'] {
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  // The histogram answers a bucket's upper bound (3 significant digits): never above the exact max.
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), maxUs));
  return { p50: at(50), p95: at(95), p99: at(99), max: ms(maxUs), mean: ms(h.mean) };
}

/** Microseconds as milliseconds, to two decimals (a figure to print). */
function ms(us: number): number {
  return round(us / 1000, 2);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
