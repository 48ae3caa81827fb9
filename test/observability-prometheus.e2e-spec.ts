import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DEFAULT_PORTS, ServiceName } from '@paygate/contracts';
import { parse } from 'yaml';
import { DATASOURCE, SEED_QUERIES, dashboardJson } from '../grafana/src/dashboard';
import { EnvironmentOptions, TestEnvironment, microservicesEnvironment, monolithEnvironment } from './support/environments';
import { eventually } from './support/eventually';
import { startFakeFrankfurter } from './support/fake-frankfurter';
import { PrometheusHandle, REPO, dashboardExprs, promtool, startPrometheus, substituteAll } from './support/prometheus';

/**
 * The Prometheus/Grafana half of observability, checked for real: the committed dashboard is
 * what grafana/src/dashboard.ts generates; promtool accepts the config, the rules (and their
 * unit tests) and every service's /metrics; and a real Prometheus scraping a running
 * environment (both modes) answers every dashboard expression after traffic that also trips
 * the rarer paths: a risk decline and review, a stale FX rate, a circuit opening.
 */

/**
 * Dashboard expressions allowed to come back empty, each with its reason. Anything else empty
 * fails the test.
 */
const EXEMPT: Record<string, string> = {
  'sum by (outcome) (increase(webhook_deliveries_total[5m]))':
    'no webhook endpoint is registered here, so nothing is delivered (webhook deliveries are covered by the webhooks suites)',
  'histogram_quantile(0.95, sum by (result, le) (rate(webhook_delivery_attempt_seconds_bucket[5m])))':
    'no webhook endpoint is registered here, so no delivery is attempted (covered by the webhooks suites)',
};

const SERVICES: ServiceName[] = ['gateway', 'payments', 'fx', 'wallet', 'risk'];

describe('observability: generated dashboard, Prometheus config and rules', () => {
  it('grafana/dashboards/payment.json is exactly what grafana/src/dashboard.ts generates (npm run grafana:generate)', () => {
    const committed = readFileSync(join(REPO, 'grafana', 'dashboards', 'payment.json'), 'utf8');
    expect(committed).toBe(dashboardJson());
    const d = JSON.parse(committed) as {
      uid: string;
      templating: { list: { name: string }[] };
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    expect(d.uid).toBe('paygw-poc');
    expect(d.templating.list.map((v) => v.name)).toEqual(['service', 'currency']);
    // The seed's four panels, with the seed's queries unchanged.
    const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    for (const q of Object.values(SEED_QUERIES)) expect(exprs).toContain(q);
    expect(d.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(
      expect.arrayContaining(['Gateway', 'Payments', 'FX', 'Risk', 'Wallet', 'Service $service', 'Process']),
    );
  });

  it('promtool: check config, check rules and the rules’ unit tests pass', async () => {
    expect(await promtool(['check', 'config', 'prometheus/prometheus.yml'])).toMatch(/SUCCESS/);
    expect(await promtool(['check', 'config', 'prometheus/prometheus.local.yml'])).toMatch(/SUCCESS/);
    expect(await promtool(['check', 'rules', 'prometheus/rules/paygate-alerts.yml'])).toMatch(/SUCCESS: 8 rules found/);
    expect(await promtool(['test', 'rules', 'prometheus/tests/paygate-alerts.test.yml'])).toMatch(/SUCCESS/);
  }, 30_000);

  it('Grafana provisioning: one default Prometheus datasource (the dashboard’s uid) and a provider reading the folder compose mounts', () => {
    const read = (...p: string[]) => parse(readFileSync(join(REPO, ...p), 'utf8')) as Record<string, unknown>;
    const { datasources } = read('grafana', 'provisioning', 'datasources', 'prometheus.yaml') as {
      datasources: { uid: string; type: string; isDefault?: boolean }[];
    };
    expect(datasources.filter((d) => d.isDefault)).toEqual([expect.objectContaining({ uid: DATASOURCE.uid, type: 'prometheus' })]);
    const { providers } = read('grafana', 'provisioning', 'dashboards', 'provider.yaml') as { providers: { options: { path: string } }[] };
    const compose = read('docker-compose.yml') as {
      services: Record<string, { volumes?: (string | { source?: string; target?: string })[] }>;
    };
    const mounts = (compose.services.grafana.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]));
    // Folder-to-folder: ./grafana/dashboards → the provider's path; ./grafana/provisioning → /etc/grafana/provisioning.
    expect(mounts).toEqual(expect.arrayContaining([expect.arrayContaining(['./grafana/dashboards', providers[0].options.path])]));
    expect(mounts).toEqual(expect.arrayContaining([expect.arrayContaining(['./grafana/provisioning', '/etc/grafana/provisioning'])]));
  });

  it('prometheus.yml scrapes every service by its compose name and port; prometheus.local.yml on loopback', () => {
    const yml = readFileSync(join(REPO, 'prometheus', 'prometheus.yml'), 'utf8');
    const local = readFileSync(join(REPO, 'prometheus', 'prometheus.local.yml'), 'utf8');
    for (const s of SERVICES) {
      expect(yml).toContain(`"${s}:${DEFAULT_PORTS[s]}"`);
      expect(local).toContain(`"127.0.0.1:${DEFAULT_PORTS[s]}"`);
    }
  });
});

function prometheusSuite(name: string, start: (opts: EnvironmentOptions) => Promise<TestEnvironment>): void {
  describe(`${name}: a real Prometheus scraping the five services`, () => {
    let env: TestEnvironment;
    let prom: PrometheusHandle;
    let fake: Awaited<ReturnType<typeof startFakeFrankfurter>>;
    /** Requests sent to the gateway by this test (each must be counted exactly once). */
    let sent = 0;
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });
    const gw = {
      get(path: string) {
        sent += 1;
        return request(env.urls.gateway).get(path).set(auth());
      },
      post(path: string, body: object) {
        sent += 1;
        return request(env.urls.gateway).post(path).set(auth()).set('Content-Type', 'application/json').send(JSON.stringify(body));
      },
    };
    const value = async (expr: string): Promise<number> => {
      const r = await prom.query(expr);
      return r.length ? Number(r[0].value[1]) : 0;
    };
    let seq = 0;
    const pay = (over: Record<string, unknown> = {}) =>
      gw.post('/payments', {
        id: `PAY-OBS-${name}-${++seq}`,
        currency: 'USD',
        amount: '10.00',
        source_account: 'ACC_SRC_ABC',
        destination_account: 'ACC_DST_DEF',
        ...over,
      });

    beforeAll(async () => {
      fake = await startFakeFrankfurter();
      env = await start({ fx: { providers: ['http'], httpUrl: fake.url, httpPollMs: 100, httpMaxAgeMs: 2000 } });
      await eventually(
        async () => ((await request(env.urls.fx).get('/rate?base=EUR&quote=USD')).status === 200 ? true : undefined),
        10_000,
        'the first HTTP poll',
      );
      prom = await startPrometheus(env.urls);
      await prom.scraped(1);
    }, 240_000);

    afterAll(async () => {
      await prom?.stop();
      await env?.close();
      await fake?.close();
    }, 30_000);

    it('promtool check metrics passes on every service’s /metrics', async () => {
      for (const s of SERVICES) {
        const text = (await request(env.urls[s]).get('/metrics').expect(200)).text;
        expect(text).toContain(`service="${s}"`);
        await promtool(['check', 'metrics'], text).catch((e: Error) => {
          throw new Error(`${s}: ${e.message}`);
        });
      }
    }, 30_000);

    it('after traffic with a decline, a review and a stale rate, every dashboard expression returns data, and each request is counted once', async () => {
      const base = await value('sum(payment_requests_total{service="gateway"})');
      const getsBase = await value('sum(payment_requests_total{service="payments",route="payments.get"})');
      const directBase = await value('sum(payment_requests_total{service="payments",method="GET",route=~"/payments/:.+"})');
      sent = 0;

      // Payments of every outcome: captured, converted (IDR from a USD wallet), review, decline, invalid.
      const ok = await pay().expect(200);
      await pay({ amount: '12.34' }).expect(200);
      await pay({ currency: 'IDR', amount: '150000.00' }).expect(200);
      await pay({ amount: '6000.00' }).expect(202);
      const declined = await pay({ amount: '30000.00' }).expect(400);
      expect(declined.body.failure_code).toBe('RISK_DECLINED');
      await pay({ amount: '-1' }).expect(400);
      const gets = 3;
      for (let i = 0; i < gets; i++) await gw.get(`/payments/${ok.body.id as string}`).expect(200);
      // The seed's way: straight to the payments port (its HTTP route forwards to its own handler).
      const direct = 2;
      for (let i = 0; i < direct; i++)
        await request(env.urls.payments)
          .get(`/payments/${ok.body.id as string}`)
          .expect(200);
      await gw.get('/rates?base=USD').expect(200);
      await gw.post('/quotes', { from: 'USD', to: 'EUR' }).expect(201);
      await gw.get('/no/such/route').expect(404);

      // A stale rate: the provider fails until its rates age out; conversions are refused.
      fake.setMode('fail');
      await eventually(
        async () => {
          const r = await pay({ currency: 'IDR', amount: '1000.00' });
          return r.status === 503 && r.body.error?.code === 'RATE_STALE' ? true : undefined;
        },
        15_000,
        'the provider to go stale',
      );

      // Every request sent to the gateway was counted exactly once (scrapes of /metrics are not requests).
      await eventually(
        async () => ((await value('sum(payment_requests_total{service="gateway"})')) - base === sent ? true : undefined),
        20_000,
        `gateway count = ${sent}`,
      );
      // Each target is scraped on its own schedule: wait until every service's last scrape came
      // after the traffic (the payments counts below are complete), then compare exactly.
      const paymentsGets = async () => (await value('sum(payment_requests_total{service="payments",route="payments.get"})')) - getsBase;
      const paymentsDirect = async () =>
        (await value('sum(payment_requests_total{service="payments",method="GET",route=~"/payments/:.+"})')) - directBase;
      await eventually(
        async () => ((await paymentsGets()) >= gets && (await paymentsDirect()) >= direct ? true : undefined),
        20_000,
        'the payments service scraped after the traffic',
      );
      const byService = await eventually(
        async () => {
          const r = await prom.query('sum by (service) (payment_requests_total)');
          return r.length === SERVICES.length ? r : undefined;
        },
        20_000,
        'every service scraped after the traffic',
      );
      expect(byService.map((s) => s.metric.service).sort()).toEqual([...SERVICES].sort());
      // …and each forwarded RPC once by the service that handled it; a direct HTTP call to a
      // backend once too (as HTTP: its forward to its own handler is the same request).
      expect(await paymentsGets()).toBe(gets);
      expect(await paymentsDirect()).toBe(direct);
      // Process metrics once per process (the jest process hosts all five services in both modes here).
      const rss = await prom.query('process_resident_memory_bytes');
      expect(rss).toHaveLength(1);
      expect(rss[0].metric).toMatchObject({ service: 'gateway', services: 'fx,gateway,payments,risk,wallet' });

      await prom.scraped(2);
      const empty: string[] = [];
      for (const { panel, refId, expr } of dashboardExprs()) {
        const q = substituteAll(expr);
        const data = await eventually(
          async () => {
            const r = await prom.query(q);
            return r.length ? r : undefined;
          },
          EXEMPT[expr] ? 1 : 15_000,
          `${panel} ${refId}`,
        ).catch(() => undefined);
        if (!data && !EXEMPT[expr]) empty.push(`${panel} [${refId}]: ${q}`);
      }
      expect(empty).toEqual([]);

      // The seed's queries return a series per service (the error rate: per service that had a failure).
      for (const [key, q] of Object.entries(SEED_QUERIES)) {
        const r = await prom.query(q);
        if (key === 'errorRate5m') expect(r.map((s) => s.metric.service)).toEqual(expect.arrayContaining(['gateway', 'payments']));
        else expect(r.map((s) => s.metric.service).sort()).toEqual([...SERVICES].sort());
      }
      // The rarer paths are visible: a decline, a stale provider, provider errors.
      expect(await value('sum(risk_decisions_total{decision="DECLINE"})')).toBeGreaterThanOrEqual(1);
      expect(await value('sum(payments_transitions_total{status="FAILED"})')).toBeGreaterThanOrEqual(1);
      await eventually(
        async () => ((await prom.query('fx_provider_up{state=~"stale|open"} == 1')).length ? true : undefined),
        15_000,
        'the stale provider in Prometheus',
      );
      expect(await value('sum(fx_provider_errors_total)')).toBeGreaterThanOrEqual(1);
      // The stale-rates alert rule sees it (pending until its `for` has passed).
      await eventually(
        async () => ((await prom.query('ALERTS{alertname="FxRatesStale"}')).length ? true : undefined),
        15_000,
        'FxRatesStale pending',
      );
    }, 120_000);

    // Last: it stops a service.
    it('a dependency down: payments’ circuit opens, the circuit panel shows it, the alert rules see it and the target down', async () => {
      fake.setMode('fresh');
      await env.stop('wallet');
      const open = await eventually(
        async () => {
          const r = await pay();
          return r.status === 503 && /circuit is open/.test(String(r.body.error?.message)) ? r : undefined;
        },
        20_000,
        'the circuit to wallet to open',
      );
      expect(open.body.error.code).toBe('SERVICE_UNAVAILABLE');
      const circuit = dashboardExprs().find((e) => e.panel === 'Circuit state per dependency')!;
      await eventually(
        async () => {
          const r = await prom.query(substituteAll(circuit.expr));
          return r.some((s) => s.metric.dependency === 'wallet' && s.value[1] === '1') ? true : undefined;
        },
        15_000,
        'the open circuit in Prometheus',
      );
      await eventually(
        async () => ((await prom.query('up{service="wallet"} == 0')).length ? true : undefined),
        15_000,
        'wallet down in Prometheus',
      );
      await eventually(
        async () => ((await prom.query('ALERTS{alertname="PaymentsCircuitOpen",dependency="wallet"}')).length ? true : undefined),
        15_000,
        'PaymentsCircuitOpen',
      );
      await eventually(
        async () => ((await prom.query('ALERTS{alertname="PaygateServiceDown",service="wallet"}')).length ? true : undefined),
        15_000,
        'PaygateServiceDown',
      );
    }, 60_000);
  });
}

prometheusSuite('monolith', (opts) => monolithEnvironment(opts));
prometheusSuite('microservices', (opts) => microservicesEnvironment(opts));
