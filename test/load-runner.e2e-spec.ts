import request from 'supertest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../apps/cli/src/load/command';
import type { TestEnvironment } from './support/environments';
import { monolithEnvironment } from './support/environments';

/** A small CSV in the seed's format, drawn from the demo ranges. */
function csvFile(rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'paygate-load-'));
  const path = join(dir, 'payments.csv');
  const currencies = ['USD', 'EUR', 'IDR', 'GBP', 'JPY'];
  const amounts: Record<string, string> = { USD: '12.34', EUR: '20.00', IDR: '150000.00', GBP: '7.77', JPY: '1500' };
  const lines = ['id,currency,amount,source_account,destination_account'];
  for (let i = 1; i <= rows; i++) {
    const c = currencies[i % currencies.length];
    lines.push(
      `PAY-${String(i).padStart(6, '0')},${c},${amounts[c]},ACC_SRC_${String(i * 37).padStart(4, '0')},ACC_DST_${String(i * 11).padStart(4, '0')}`,
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('load runner against the monolith', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await monolithEnvironment();
  }, 90_000);
  afterAll(() => env?.close(), 30_000);

  it('replays the CSV through the gateway at a constant rate: unique payments, plausible rate and percentiles', async () => {
    const csv = csvFile(25);
    const r = await load({
      target: new URL(env.urls.gateway),
      scenario: 'payments',
      rate: 20,
      durationMs: 2000,
      csv,
      key: env.demoKey,
      connections: 16,
      timeoutMs: 10_000,
      fund: true,
    });
    expect(r.sent).toBe(40);
    expect(r.completed).toBe(40);
    expect(r.errors).toBe(0);
    expect(r.dropped).toBe(0);
    // Never above the offered rate; how far below depends on the machine (not asserted).
    expect(r.achievedRate).toBeGreaterThan(0);
    expect(r.achievedRate).toBeLessThanOrEqual(21);
    const l = r.latencyMs;
    expect(0 < l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max).toBe(true);
    expect(r.statuses).toEqual({ '200': 40 });
    expect(r.outcomes).toEqual({ CAPTURED: 40 });
    expect(r.funding).toMatchObject({ accounts: 25 });
    // Each request was its own payment (not a replay of the CSV's ids).
    for (const i of [0, 1, 24, 25, 39]) {
      const p = await request(env.urls.payments).get(`/payments/L${r.runId}-${i}`).expect(200);
      expect(p.body.status).toBe('CAPTURED');
    }
    await request(env.urls.payments).get('/payments/PAY-000001').expect(404);
  }, 60_000);

  it('targets a service port directly, funding through the wallet port it is given', async () => {
    const r = await load({
      target: new URL(env.urls.payments),
      scenario: 'payments',
      rate: 10,
      durationMs: 1000,
      csv: csvFile(5),
      connections: 8,
      timeoutMs: 10_000,
      fund: true,
      walletUrl: new URL(env.urls.wallet),
      fxUrl: new URL(env.urls.fx),
    });
    expect(r.completed).toBe(10);
    expect(r.outcomes).toEqual({ CAPTURED: 10 });
  }, 60_000);

  it('read scenarios: balances, conversions, scores', async () => {
    for (const scenario of ['balance', 'convert', 'score'] as const) {
      const r = await load({
        target: new URL(env.urls.gateway),
        scenario,
        concurrency: 4,
        durationMs: 500,
        csv: '',
        key: env.demoKey,
        connections: 4,
        timeoutMs: 5000,
        fund: true,
      });
      expect(r.errors).toBe(0);
      expect(Object.keys(r.statuses)).toEqual(['200']);
    }
  }, 60_000);
});
