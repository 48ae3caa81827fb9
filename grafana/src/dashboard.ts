/**
 * The Grafana dashboard `paygw-poc`, generated from code with @grafana/grafana-foundation-sdk.
 * `npm run grafana:generate` writes grafana/dashboards/payment.json (committed; Grafana
 * provisions it from there). test/observability-prometheus.e2e-spec.ts checks the JSON is what
 * this code generates, and runs every expression against a real Prometheus scraping the services.
 *
 * Layout: the seed's four panels first, with the seed's PromQL unchanged; then domain rows
 * (payments, FX, risk, wallet); then per-service detail (repeated per selected `service`) and
 * the Node process. Template variables: `service` and `currency` (multi, "All" = `.*`).
 */
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DASHBOARD_UID = 'paygw-poc';
/** The provisioned datasource (grafana/provisioning/datasources/prometheus.yaml). */
export const DATASOURCE: dashboard.DataSourceRef = { type: 'prometheus', uid: 'prometheus' };

/** The seed's PromQL, exactly as the seed's README gives it. */
export const SEED_QUERIES = {
  requestRate: 'sum by (service) (rate(payment_requests_total[1m]))',
  errorRate5m:
    '100 * (sum by (service) (increase(payment_requests_total{status="FAILED"}[5m])) / sum by (service) (increase(payment_requests_total[5m])))',
  p95: 'histogram_quantile(0.95, sum by (service, le) (rate(payment_request_duration_seconds_bucket[5m])))',
  p99: 'histogram_quantile(0.99, sum by (service, le) (rate(payment_request_duration_seconds_bucket[5m])))',
  requestsLast5m: 'sum by (service) (increase(payment_requests_total[5m]))',
} as const;

interface Query {
  expr: string;
  legend: string;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  kind?: 'timeseries' | 'stat';
  width?: number;
}

const q = (expr: string, legend: string): Query => ({ expr, legend });
const SVC = 'service=~"$service"';
const CUR = 'currency=~"$currency"';

function target(query: Query, i: number): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .refId(String.fromCharCode(65 + i))
    .expr(query.expr)
    .legendFormat(query.legend)
    .datasource(DATASOURCE);
}

function panel(spec: PanelSpec): cog.Builder<dashboard.Panel> {
  const height = 8;
  const span = spec.width ?? 8;
  if (spec.kind === 'stat') {
    const p = new stat.PanelBuilder().title(spec.title).description(spec.description).unit(spec.unit).datasource(DATASOURCE);
    spec.queries.forEach((query, i) => p.withTarget(target(query, i)));
    return p.height(height).span(span);
  }
  const p = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
  spec.queries.forEach((query, i) => p.withTarget(target(query, i)));
  return p.height(height).span(span);
}

interface RowSpec {
  title: string;
  repeat?: string;
  panels: PanelSpec[];
}

export const ROWS: RowSpec[] = [
  {
    title: 'Overview (the seed’s panels)',
    panels: [
      {
        title: 'Request rate per service',
        description: 'HTTP requests and RPC messages handled per second',
        unit: 'reqps',
        width: 6,
        queries: [q(SEED_QUERIES.requestRate, '{{service}}')],
      },
      {
        title: 'Error rate (5m) per service',
        description: 'Share of FAILED requests (HTTP status ≥ 400, or an RPC error) over 5 minutes',
        unit: 'percent',
        width: 6,
        queries: [q(SEED_QUERIES.errorRate5m, '{{service}}')],
      },
      {
        title: 'p95/p99 latency per service',
        description: 'Request handling time quantiles from the duration histogram',
        unit: 's',
        width: 6,
        queries: [q(SEED_QUERIES.p95, 'p95 {{service}}'), q(SEED_QUERIES.p99, 'p99 {{service}}')],
      },
      {
        title: 'Requests in last 5m per service',
        description: 'Requests handled over the last 5 minutes',
        unit: 'short',
        width: 6,
        kind: 'stat',
        queries: [q(SEED_QUERIES.requestsLast5m, '{{service}}')],
      },
    ],
  },
  {
    title: 'Gateway',
    panels: [
      {
        title: 'Gateway responses by code (5m)',
        description: 'Responses of the public API by HTTP status',
        unit: 'short',
        width: 12,
        queries: [q('sum by (code) (increase(payment_requests_total{service="gateway",method!="RPC"}[5m]))', '{{code}}')],
      },
      {
        title: 'Rate-limit decisions (5m)',
        description: 'Per-key rate limit checks: allowed, limited (429), fail_open (the store failed; let through)',
        unit: 'short',
        width: 12,
        queries: [q('sum by (result, store) (increase(gateway_rate_limit_decisions_total[5m]))', '{{result}} ({{store}})')],
      },
    ],
  },
  {
    title: 'Payments',
    panels: [
      {
        title: 'Payments by status (5m)',
        description: 'Payment state changes by new status, from the outbox once published',
        unit: 'short',
        queries: [q(`sum by (status) (increase(payments_transitions_total{${CUR}}[5m]))`, '{{status}}')],
      },
      {
        title: 'Payments by currency (5m)',
        description: 'Payment state changes by payment currency',
        unit: 'short',
        queries: [q(`sum by (currency) (increase(payments_transitions_total{${CUR}}[5m]))`, '{{currency}}')],
      },
      {
        title: 'Outbox lag',
        description: 'Age of the oldest payment event not yet published (0 when none), and events relayed per second',
        unit: 's',
        queries: [q('max(payments_outbox_lag_seconds)', 'lag'), q('sum(rate(payments_outbox_published_total[1m]))', 'published/s')],
      },
      {
        title: 'Circuit state per dependency',
        description: 'Payments’ circuit breakers: 1 = open (calls fail fast with 503), 0 = closed or half-open',
        unit: 'short',
        queries: [q('max by (dependency) (payments_dependency_circuit_open)', '{{dependency}}')],
      },
      {
        title: 'Webhook deliveries (5m)',
        description: 'Webhook delivery outcomes (present once the payments service delivers webhooks)',
        unit: 'short',
        queries: [q('sum by (outcome) (increase(webhook_deliveries_total[5m]))', '{{outcome}}')],
      },
      {
        title: 'Webhook attempt latency p95',
        description: 'Time of one delivery attempt (the merchant endpoint answering), by result',
        unit: 's',
        queries: [q('histogram_quantile(0.95, sum by (result, le) (rate(webhook_delivery_attempt_seconds_bucket[5m])))', '{{result}}')],
      },
      {
        title: 'Payments RPC latency p95 per pattern',
        description: 'Handling time of the payments service’s message patterns',
        unit: 's',
        width: 24,
        queries: [
          q(
            'histogram_quantile(0.95, sum by (route, le) (rate(payment_request_duration_seconds_bucket{service="payments",method="RPC"}[5m])))',
            '{{route}}',
          ),
        ],
      },
    ],
  },
  {
    title: 'FX',
    panels: [
      {
        title: 'FX rates (per 1 EUR)',
        description: 'Mid rate of each currency from the active provider (observational, a float)',
        unit: 'short',
        queries: [q(`fx_rate{${CUR}}`, '{{currency}}')],
      },
      {
        title: 'FX rate age',
        description: 'Age of each provider’s latest rates, and of the rates risk normalises amounts with',
        unit: 's',
        queries: [q('max by (provider) (fx_rate_age_seconds)', '{{provider}}'), q('max(risk_fx_rates_age_seconds)', 'risk cache')],
      },
      {
        title: 'FX provider state',
        description: 'Current state of each provider (up, stale, open, empty); active marks the one in use',
        unit: 'short',
        queries: [q('max by (provider, state, active) (fx_provider_up) == 1', '{{provider}} {{state}} (active={{active}})')],
      },
      {
        title: 'FX provider errors (5m)',
        description: 'Failed fetches or rejected responses per provider',
        unit: 'short',
        queries: [q('sum by (provider) (increase(fx_provider_errors_total[5m]))', '{{provider}}')],
      },
      {
        title: 'FX quotes (5m)',
        description: 'Firm quotes issued, used, refused as expired or reused',
        unit: 'short',
        queries: [q('sum by (event) (increase(fx_quotes_total[5m]))', '{{event}}')],
      },
    ],
  },
  {
    title: 'Risk',
    panels: [
      {
        title: 'Risk decisions (5m)',
        description: 'Assessments by decision (APPROVE, REVIEW, DECLINE)',
        unit: 'short',
        queries: [q('sum by (decision) (increase(risk_decisions_total[5m]))', '{{decision}}')],
      },
      {
        title: 'Risk rule hits (5m)',
        description: 'Rules that fired, by rule code',
        unit: 'short',
        queries: [q('sum by (rule) (increase(risk_rule_hits_total[5m]))', '{{rule}}')],
      },
      {
        title: 'Risk scoring latency p95',
        description: 'Time to score a payment (features and rules)',
        unit: 's',
        queries: [q('histogram_quantile(0.95, sum by (le) (rate(risk_scoring_duration_seconds_bucket[5m])))', 'p95')],
      },
    ],
  },
  {
    title: 'Wallet',
    panels: [
      {
        title: 'Wallet transaction retries (5m)',
        description: 'Ledger transactions retried after PostgreSQL aborted them (deadlock, serialization failure)',
        unit: 'short',
        width: 8,
        queries: [q('sum by (reason) (increase(wallet_tx_retries_total[5m]))', '{{reason}}')],
      },
      {
        title: 'Holds expired (5m)',
        description: 'Holds released because their time ran out',
        unit: 'short',
        width: 8,
        queries: [q('sum(increase(wallet_holds_expired_total[5m]))', 'expired')],
      },
      {
        title: 'Ledger postings (5m)',
        description: 'Ledger-writing messages handled by the wallet (transfers, reversals, deposits, withdrawals, holds), replays included',
        unit: 'short',
        width: 8,
        queries: [
          q(
            'sum by (route) (increase(payment_requests_total{service="wallet",method="RPC",status="OK",route=~"wallet[.](transfer|deposit|withdrawal|hold)[.].+"}[5m]))',
            '{{route}}',
          ),
        ],
      },
    ],
  },
  {
    title: 'Service $service',
    repeat: 'service',
    panels: [
      {
        title: 'Requests per route',
        description: 'Requests per second by method and route template (RPC: the message pattern)',
        unit: 'reqps',
        queries: [q(`sum by (method, route) (rate(payment_requests_total{${SVC}}[1m]))`, '{{method}} {{route}}')],
      },
      {
        title: 'Failures by code (5m)',
        description: 'FAILED requests by code (HTTP status or domain error code)',
        unit: 'short',
        queries: [q(`sum by (code) (increase(payment_requests_total{${SVC},status="FAILED"}[5m]))`, '{{code}}')],
      },
      {
        title: 'p95 latency per route',
        description: 'Request handling time p95 by route template',
        unit: 's',
        queries: [
          q(`histogram_quantile(0.95, sum by (route, le) (rate(payment_request_duration_seconds_bucket{${SVC}}[5m])))`, '{{route}}'),
        ],
      },
    ],
  },
  {
    title: 'Process',
    panels: [
      {
        title: 'Targets up',
        description: 'Scrape health of each service port',
        unit: 'short',
        width: 6,
        queries: [q('up{job="paygate"}', '{{instance}}')],
      },
      {
        title: 'Resident memory',
        description: 'Per process: the monolith’s five services share one process, shown once (services label)',
        unit: 'bytes',
        width: 6,
        queries: [q(`process_resident_memory_bytes{${SVC}}`, '{{service}} ({{services}})')],
      },
      {
        title: 'CPU',
        description: 'CPU seconds per second, per process',
        unit: 'percentunit',
        width: 6,
        queries: [q(`rate(process_cpu_seconds_total{${SVC}}[1m])`, '{{service}} ({{services}})')],
      },
      {
        title: 'Event loop lag p99',
        description: 'Node event-loop delay p99, per process',
        unit: 's',
        width: 6,
        queries: [q(`nodejs_eventloop_lag_p99_seconds{${SVC}}`, '{{service}} ({{services}})')],
      },
    ],
  },
];

function variable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .query(query)
    .datasource(DATASOURCE)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

export function buildDashboard(): dashboard.Dashboard {
  const b = new dashboard.DashboardBuilder('Paygate — payment gateway')
    .uid(DASHBOARD_UID)
    .description(
      'Paygate: the seed’s request panels, payments, FX, risk, wallet, per service and per process. Generated by grafana/src/dashboard.ts',
    )
    .tags(['paygate'])
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .timezone('browser')
    .editable()
    .withVariable(variable('service', 'Service', 'label_values(payment_requests_total, service)'))
    .withVariable(variable('currency', 'Currency', 'label_values(payments_transitions_total, currency)'));
  for (const row of ROWS) {
    const r = new dashboard.RowBuilder(row.title);
    if (row.repeat) r.repeat(row.repeat);
    b.withRow(r);
    for (const p of row.panels) b.withPanel(panel(p));
  }
  return b.build();
}

/** The committed file's content. */
export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}
