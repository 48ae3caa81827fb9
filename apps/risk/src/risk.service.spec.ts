import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import type { ScoreRequest } from '@paygate/contracts';
import { DatabaseHandle, openDatabase, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { InProcessEventBus, RequestContext, RpcClient } from '@paygate/transport';
import { evaluate, featuresFromJson, historySpec } from './domain';
import { FxRateCache } from './fx-rates.cache';
import { RiskRepository } from './persistence/risk.repository';
import { RiskMetrics } from './risk.metrics';
import { RiskService } from './risk.service';
import { RiskSettings } from './risk.settings';
import { RulesProvider } from './rules.provider';

const SHIPPED = resolve(__dirname, '..', 'rules', 'default.rules.json');
const VERSION = '2026-11-26.1';
/** The bundled ECB reference rates the e2e environments run with (a subset). */
const ECB_TICK = {
  seq: 1,
  source: 'ecb-reference',
  pivot: 'EUR',
  as_of: '2024-12-31T15:00:00.000Z',
  rates: { USD: '1.0389', IDR: '16820.00', JPY: '163.06', SGD: '1.4164', GBP: '0.82918' },
};

interface Instance {
  service: RiskService;
  rules: RulesProvider;
  registry: Registry;
  repo: RiskRepository;
}

function instance(handle: DatabaseHandle, settings: RiskSettings): Instance {
  const registry = new Registry();
  const metrics = new RiskMetrics(registry);
  const rules = new RulesProvider(settings, metrics);
  rules.onModuleInit();
  const fx = new FxRateCache(new InProcessEventBus(), { call: jest.fn() } as unknown as RpcClient);
  fx.onTick(ECB_TICK);
  const repo = new RiskRepository(handle.db);
  return { service: new RiskService(repo, rules, fx, metrics), rules, registry, repo };
}

const merchant = (label: string) => `m_${label}_${randomBytes(3).toString('hex')}`;
const score = (i: Instance, merchantId: string, req: ScoreRequest) =>
  RequestContext.run({ requestId: `req_${randomBytes(4).toString('hex')}`, deadline: Date.now() + 10_000, merchantId }, () =>
    i.service.score(req),
  );
const codes = (a: { reasons: Array<{ code: string }> }) => a.reasons.map((r) => r.code);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'risk-service-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each<Driver>(DRIVERS)('RiskService on %s', (driver) => {
  let t: ServiceTestDb;
  let risk: Instance;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'risk');
    risk = instance(t.handle, { rulesFile: SHIPPED, pollMs: 0 });
  }, 60_000);
  afterAll(() => t?.close(), 30_000);

  const rowsOf = async (m: string) =>
    queryRows<{ payment_id: string; features: Record<string, unknown>; amount_ref_minor: string | null }>(
      t.db,
      sql`select payment_id, features, amount_ref_minor::text as amount_ref_minor from risk.decisions where merchant_id = ${m} order by id`,
    );

  it('the seed curl (no payment id) is a dry run: the documented answer, nothing stored', async () => {
    const m = merchant('dry');
    for (let n = 0; n < 3; n++) {
      expect(await score(risk, m, { account: 'ACC_001', amount: '999.99', currency: 'USD' })).toEqual({
        score: 0,
        decision: 'APPROVE',
        reasons: [],
        rules_version: VERSION,
      });
    }
    expect(await rowsOf(m)).toEqual([]);
  });

  it('the seed flow keeps its outcomes under the shipped rules, with the history each payment really has', async () => {
    const m = merchant('seed');
    const pay = (id: string, amount: string, currency = 'USD', account = 'ACC_SRC_ABC', destination = 'ACC_DST_DEF') =>
      score(risk, m, { account, amount, currency, destination, payment_id: id });
    const first = await pay('PAY-001', '123.45');
    expect(first).toMatchObject({ score: 5, decision: 'APPROVE', rules_version: VERSION });
    expect(codes(first)).toEqual(['NEW_DESTINATION']);
    expect(await pay('PAY-GW-001', '10.05')).toMatchObject({ score: 0, decision: 'APPROVE' });
    expect(await pay('PAY-FX-001', '1500000.00', 'IDR')).toMatchObject({ score: 0, decision: 'APPROVE' });
    const review = await pay('PAY-REVIEW-001', '6000.00');
    expect(review).toMatchObject({ score: 50, decision: 'REVIEW' });
    expect(codes(review)).toEqual(['HIGH_AMOUNT']);
    const decline = await pay('PAY-DECLINE-001', '30000.00');
    expect(decline).toMatchObject({ score: 90, decision: 'DECLINE' });
    expect(codes(decline)).toEqual(['HIGH_AMOUNT', 'VERY_HIGH_AMOUNT']);
    // The gateway's dry run to a blocked destination.
    const blocked = await score(risk, m, { account: 'ACC_001', amount: '30000.00', currency: 'USD', destination: 'ACC_BLOCKED_001' });
    expect(blocked).toMatchObject({ score: 100, decision: 'DECLINE' });
    expect(codes(blocked)).toContain('BLOCKED_DESTINATION');
    // The demo generator's sample line: 188.52 IDR (a micro payment) from a new account.
    expect(await pay('PAY-000001', '188.52', 'IDR', 'ACC_SRC_5081', 'ACC_DST_1228')).toMatchObject({ decision: 'APPROVE' });
    // 20 concurrent 10.00 USD payments of one new wallet are all approved (velocity alone is not a review).
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => pay(`PAY-CONC-${i}`, '10.00', 'USD', 'ACC_E2E_CONC')));
    expect(burst.map((b) => b.decision)).toEqual(Array(20).fill('APPROVE'));
    // The IDR payment was priced through the cached tick: 1,500,000.00 IDR = 92.65 USD.
    expect((await rowsOf(m)).find((r) => r.payment_id === 'PAY-FX-001')!.amount_ref_minor).toBe('9265');
  });

  it('a payment is counted once: retries (even with another body) return the recorded decision', async () => {
    const m = merchant('retry');
    const req = { account: 'ACC_R', amount: '6000.00', currency: 'USD', destination: 'ACC_D', payment_id: 'PAY-R1' };
    const first = await score(risk, m, req);
    expect(await score(risk, m, req)).toEqual(first);
    expect(await score(risk, m, { ...req, amount: '1.00' })).toEqual(first);
    expect(await rowsOf(m)).toHaveLength(1);
    const h = await risk.repo.history(m, 'ACC_R', undefined, historySpec([risk.rules.current()]).spec);
    expect(h).toMatchObject({ count1m: 1, sum1mRefMinor: 600000n });
  });

  it('records every decision with its features; replaying them gives the same decision', async () => {
    const m = merchant('audit');
    await score(risk, m, { account: 'ACC_A', amount: '4950.00', currency: 'USD', destination: 'ACC_D1', payment_id: 'PAY-A1' });
    const second = await score(risk, m, {
      account: 'ACC_A',
      amount: '4920.00',
      currency: 'SGD',
      destination: 'ACC_D1',
      payment_id: 'PAY-A2',
      source_currency: 'USD',
    });
    const stored = (await risk.repo.stored(m, 'PAY-A2'))!;
    expect(stored.assessment).toEqual(second);
    expect(stored.features).toMatchObject({
      account: 'ACC_A',
      currency: 'SGD',
      source_currency: 'USD',
      reference_currency: 'USD',
      count_1m: 1,
      destination_seen: true,
      band_counts: { micro: 0, structuring: 1 },
      history_ref_minor: ['495000'],
    });
    expect(evaluate(risk.rules.current(), featuresFromJson(stored.features))).toEqual(stored.assessment);
  });

  it('exports decisions, scores, rule hits and scoring time (replays are not counted again)', async () => {
    const i = instance(t.handle, { rulesFile: SHIPPED, pollMs: 0 });
    const m = merchant('metrics');
    await score(i, m, { account: 'ACC_M', amount: '6000.00', currency: 'USD', destination: 'ACC_D', payment_id: 'PAY-M1' });
    await score(i, m, { account: 'ACC_M', amount: '6000.00', currency: 'USD', destination: 'ACC_D', payment_id: 'PAY-M1' });
    await score(i, m, { account: 'ACC_M2', amount: '1.00', currency: 'USD' });
    const text = await i.registry.metrics();
    expect(text).toContain('risk_decisions_total{decision="REVIEW"} 1');
    expect(text).toContain('risk_decisions_total{decision="APPROVE"} 1');
    expect(text).toContain('risk_rule_hits_total{rule="HIGH_AMOUNT"} 1');
    expect(text).toContain('risk_rule_hits_total{rule="NEW_DESTINATION"} 1');
    expect(text).toContain('risk_score_bucket{le="50"} 1'); // the dry run's 0
    expect(text).toContain('risk_score_bucket{le="60"} 2'); // and the 55 (HIGH_AMOUNT + NEW_DESTINATION)
    expect(text).toContain('risk_score_count 2');
    expect(text).toContain('risk_scoring_duration_seconds_count 3');
    expect(text).toContain(`risk_rules_info{rules="live",version="${VERSION}"} 1`);
  });

  it('shadow mode: the draft scores alongside; a different decision is counted and stored, the live one answers', async () => {
    const draft = join(dir, `draft-${driver}.json`);
    const json = JSON.parse(readFileSync(SHIPPED, 'utf8'));
    json.version = 'draft-strict';
    json.thresholds = { review: 5, decline: 80 }; // a new destination alone would be a review
    writeFileSync(draft, JSON.stringify(json));
    const i = instance(t.handle, { rulesFile: SHIPPED, shadowRulesFile: draft, pollMs: 0 });
    const m = merchant('shadow');
    const a = await score(i, m, { account: 'ACC_S', amount: '20.00', currency: 'USD', destination: 'ACC_NEW', payment_id: 'PAY-S1' });
    expect(a).toMatchObject({ score: 5, decision: 'APPROVE', rules_version: VERSION });
    await score(i, m, { account: 'ACC_S', amount: '20.00', currency: 'USD', destination: 'ACC_NEW', payment_id: 'PAY-S2' }); // same verdict both
    expect((await i.repo.stored(m, 'PAY-S1'))!.shadow).toMatchObject({
      rulesVersion: 'draft-strict',
      score: 5,
      decision: 'REVIEW',
      diverged: true,
    });
    expect((await i.repo.stored(m, 'PAY-S2'))!.shadow).toMatchObject({ decision: 'APPROVE', diverged: false });
    const text = await i.registry.metrics();
    expect(text).toContain('risk_shadow_divergence_total{live="APPROVE",shadow="REVIEW"} 1');
    expect(text).toContain('risk_rules_info{rules="shadow",version="draft-strict"} 1');
  });

  it('a reloaded rules file is in force for the next score, without a restart', async () => {
    const file = join(dir, `live-${driver}.json`);
    const json = JSON.parse(readFileSync(SHIPPED, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...json, version: 'live-a' }));
    const i = instance(t.handle, { rulesFile: file, pollMs: 0 });
    const m = merchant('reload');
    const req = { account: 'ACC_L', amount: '10.00', currency: 'USD' };
    expect(await score(i, m, req)).toMatchObject({ rules_version: 'live-a' });
    writeFileSync(file, JSON.stringify({ ...json, version: 'live-b', lists: { ...json.lists, blocked_accounts: ['ACC_L'] } }));
    expect(i.rules.sources().live!.reloadNow()).toBe('reloaded');
    expect(await score(i, m, req)).toMatchObject({ rules_version: 'live-b', decision: 'DECLINE', score: 100 });
    writeFileSync(file, '{"version": "live-c", "rules": 7}');
    expect(i.rules.sources().live!.reloadNow()).toBe('rejected');
    expect(await score(i, m, req)).toMatchObject({ rules_version: 'live-b' });
  });

  if (driver === 'postgres') {
    it('N concurrent scores spread over two risk instances on one PostgreSQL: velocity exactly N, every decision saw the ones before', async () => {
      const other = openDatabase({ url: t.testDb!.url, pgliteDir: '', poolSize: 8 });
      try {
        const a = risk;
        const b = instance(other, { rulesFile: SHIPPED, pollMs: 0 });
        const m = merchant('replicas');
        const N = 30;
        const reqs = Array.from({ length: N }, (_, n) => ({
          account: 'ACC_REPLICA',
          amount: '10.00',
          currency: 'USD',
          destination: `ACC_DST_${n}`,
          payment_id: `PAY-REP-${n}`,
        }));
        // Each payment scored twice, once on each instance, all at once: retries must not count again.
        await Promise.all(reqs.flatMap((r, n) => (n % 2 === 0 ? [score(a, m, r), score(b, m, r)] : [score(b, m, r), score(a, m, r)])));
        const rows = await rowsOf(m);
        expect(rows).toHaveLength(N);
        expect(rows.map((r) => r.features.count_1m).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: N }, (_, n) => n));
        const spec = historySpec([a.rules.current()]).spec;
        for (const repo of [a.repo, b.repo]) {
          expect(await repo.history(m, 'ACC_REPLICA', undefined, spec)).toMatchObject({
            count1m: N,
            count1h: N,
            count24h: N,
            sum1mRefMinor: BigInt(N * 1000),
          });
        }
        // From 10 earlier payments in the minute, VELOCITY_1M fired: on whichever instance decided.
        const velocity = rows.filter((r) => Number(r.features.count_1m) >= 10).map((r) => r.payment_id);
        for (const id of velocity) expect(codes((await a.repo.stored(m, id))!.assessment)).toContain('VELOCITY_1M');
      } finally {
        await other.close();
      }
    }, 30_000);
  }
});
