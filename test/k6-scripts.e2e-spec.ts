import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monolithEnvironment, TestEnvironment } from './support/environments';
import { K6Request, K6Run, runK6Script } from './support/k6-shim';

const K6_DIR = join(__dirname, 'k6');
const LOAD = join(K6_DIR, 'payment_load.js');
const FROM_CSV = join(K6_DIR, 'payment_load_from_csv.js');
const DUMMY_CSV = join(__dirname, 'data', 'dummy_transactions.csv');
const HEADER = 'id,currency,amount,source_account,destination_account';
const ITERATIONS = 10;

interface Row {
  id: string;
  currency: string;
  amount: string;
}
const rowsOf = (csv: string): Row[] =>
  csv
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [id, currency, amount] = l.split(',');
      return { id, currency, amount };
    });
const json = (text: string | null): Record<string, unknown> => JSON.parse(text ?? 'null') as Record<string, unknown>;
const sentId = (r: K6Request) => json(r.requestBody).id as string;

/** What every run must show: POSTs to /payments on 127.0.0.1, only acceptable answers, all checks passed. */
function expectCleanRun(run: K6Run, base: string): void {
  expect(run.errors).toEqual([]);
  expect(run.logs).toEqual([]);
  expect(run.iterations).toBe(ITERATIONS);
  expect(run.requests).toHaveLength(ITERATIONS);
  for (const r of run.requests) {
    expect(r.method).toBe('POST');
    expect(r.url).toBe(`${base}/payments`);
    expect(new URL(r.url).hostname).toBe('127.0.0.1');
    expect(r.requestHeaders['Content-Type']).toBe('application/json');
    expect(r.error).toBe('');
    const body = json(r.body);
    if (r.status === 400) expect(body).toMatchObject({ id: sentId(r), status: 'FAILED', failure_code: expect.any(String) });
    else {
      expect([200, 202]).toContain(r.status);
      expect(body.id).toBe(sentId(r));
    }
  }
  expect(Object.keys(run.checks).length).toBeGreaterThan(0);
  for (const c of Object.values(run.checks)) expect(c).toEqual({ passes: ITERATIONS, fails: 0 });
  expect(run.metrics.payment_outcomes.count).toBe(ITERATIONS);
}

function expectOptions(run: K6Run, executor: string): void {
  const scenarios = run.options.scenarios as Record<string, { executor: string }>;
  expect(Object.values(scenarios).map((s) => s.executor)).toEqual([executor]);
  expect(run.options.thresholds).toMatchObject({
    http_req_failed: [expect.stringMatching(/^rate</)],
    http_req_duration: [expect.stringMatching(/^p\(95\)</)],
  });
}

describe('the k6 scripts (test/k6, run through the k6 shim) against the monolith', () => {
  let env: TestEnvironment;
  let dir: string;
  let csvPath: string | undefined; // undefined: the script's default, ../data/dummy_transactions.csv
  let rows: Row[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k6-shim-'));
    if (existsSync(DUMMY_CSV)) {
      rows = rowsOf(readFileSync(DUMMY_CSV, 'utf8'));
    } else {
      const fixture = [
        HEADER,
        'PAY-000001,IDR,188.52,ACC_SRC_5081,ACC_DST_1228',
        'PAY-000002,USD,42.10,ACC_SRC_0001,ACC_DST_0002',
        'PAY-000003,EUR,1999.99,ACC_SRC_0003,ACC_DST_0004',
        'PAY-000004,JPY,12500,ACC_SRC_0005,ACC_DST_0006',
        'PAY-000005,SGD,7500.00,ACC_SRC_0007,ACC_DST_0008',
        'PAY-000006,USD,30000.00,ACC_SRC_0009,ACC_DST_0010',
      ].join('\n');
      csvPath = join(dir, 'dummy_transactions.csv');
      writeFileSync(csvPath, `${fixture}\n`);
      rows = rowsOf(fixture);
    }
    env = await monolithEnvironment();
  }, 90_000);

  afterAll(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('payment_load.js: random payments with each currency’s decimals, unique ids, all answered and checked', async () => {
    const run = await runK6Script(LOAD, { env: { PAYMENTS: env.urls.payments }, iterations: ITERATIONS, vus: 2 });
    expectOptions(run, 'constant-arrival-rate');
    expectCleanRun(run, env.urls.payments);
    expect(new Set(run.requests.map(sentId)).size).toBe(ITERATIONS);
    expect(run.requests.map((r) => `${r.vu}/${r.iter}`)).toContain('2/4');
    for (const r of run.requests) {
      const body = json(r.requestBody);
      expect(body.source_account).toMatch(/^ACC_SRC_\d{4}$/);
      expect(body.destination_account).toMatch(/^ACC_DST_\d{4}$/);
      expect(r.requestHeaders.Authorization).toBeUndefined();
      // The amount is a JSON number with exactly the currency's decimals.
      const amount = /"amount":([0-9.]+)[,}]/.exec(r.requestBody!)![1];
      expect(amount).toMatch(body.currency === 'JPY' ? /^[1-9]\d*$/ : /^\d+\.\d{2}$/);
      expect(['USD', 'EUR', 'IDR', 'SGD', 'GBP', 'JPY']).toContain(body.currency);
    }
  }, 60_000);

  it('payment_load_from_csv.js: CSV rows sent exactly, with ids made unique per iteration', async () => {
    const run = await runK6Script(FROM_CSV, {
      env: { PAYMENTS: env.urls.payments, ...(csvPath && { CSV_PATH: csvPath }) },
      iterations: ITERATIONS,
      vus: 2,
    });
    expectOptions(run, 'ramping-vus');
    expectCleanRun(run, env.urls.payments);
    const ids = run.requests.map(sentId);
    expect(new Set(ids).size).toBe(ITERATIONS);
    for (const r of run.requests) {
      const id = sentId(r);
      const row = rows.find((x) => id.startsWith(`${x.id}-${r.vu}-${r.iter}-`))!;
      expect(row).toBeDefined();
      // The CSV amount text goes unquoted and unchanged.
      expect(r.requestBody).toContain(`"amount":${row.amount},`);
      expect(json(r.requestBody).currency).toBe(row.currency);
    }
  }, 60_000);

  it('payment_load_from_csv.js through the gateway, with API_KEY as the Bearer token (requests by node, not curl)', async () => {
    const run = await runK6Script(FROM_CSV, {
      env: { PAYMENTS: env.urls.gateway, API_KEY: env.demoKey, RUN_ID: 'gw', ...(csvPath && { CSV_PATH: csvPath }) },
      iterations: ITERATIONS,
      transport: 'node',
    });
    expectCleanRun(run, env.urls.gateway);
    expect(new Set(run.requests.map(sentId)).size).toBe(ITERATIONS);
    for (const r of run.requests) {
      expect(r.requestHeaders.Authorization).toBe(`Bearer ${env.demoKey}`);
      expect(sentId(r)).toMatch(new RegExp(`-1-${r.iter}-gw$`));
    }
  }, 60_000);

  it('REPLAY=1 sends the CSV ids as they are: a row picked again is replayed with the first answer', async () => {
    // Three rows for ten iterations, so rows repeat: a capture, a risk review and a risk decline.
    const replayCsv = join(dir, 'replay.csv');
    writeFileSync(
      replayCsv,
      [
        HEADER,
        'K6R-1,USD,10.00,ACC_SRC_0100,ACC_DST_0100',
        'K6R-2,USD,6000.00,ACC_SRC_0101,ACC_DST_0101',
        'K6R-3,USD,30000.00,ACC_SRC_0102,ACC_DST_0102',
      ].join('\n'),
    );
    const run = await runK6Script(FROM_CSV, {
      env: { PAYMENTS: env.urls.payments, CSV_PATH: replayCsv, REPLAY: '1' },
      iterations: ITERATIONS,
    });
    expectCleanRun(run, env.urls.payments);
    const byId = new Map<string, K6Request[]>();
    for (const r of run.requests) byId.set(sentId(r), [...(byId.get(sentId(r)) ?? []), r]);
    expect([...byId.keys()].every((id) => /^K6R-[123]$/.test(id))).toBe(true);
    expect(Math.max(...[...byId.values()].map((rs) => rs.length))).toBeGreaterThan(1);
    const expected: Record<string, number> = { 'K6R-1': 200, 'K6R-2': 202, 'K6R-3': 400 };
    for (const [id, [first, ...again]] of byId) {
      expect(first.status).toBe(expected[id]);
      expect(first.headers['Idempotent-Replayed']).toBeUndefined();
      for (const r of again) {
        expect(r.headers['Idempotent-Replayed']).toBe('true');
        expect(r.status).toBe(first.status);
        expect(json(r.body)).toEqual(json(first.body));
      }
    }
    expect(run.metrics.payment_replays?.count ?? 0).toBe(ITERATIONS - byId.size);
  }, 60_000);
});
