import { LATENCY_BUCKETS } from '@paygate/metrics';
import { contentSecurityPolicy } from '@paygate/http';
import { loadRuntimeConfig } from '@paygate/platform';
import { DashboardService } from './dashboard.service';
import { crossRate, increase, pointsBetween, quantileBetween } from './assets/dashboard-math';
import { escapeHtml, grafanaDashboardUrl, renderPage } from './page';
import { isPlumbingRoute, trafficFromMetrics } from './prometheus-text';

const EXPOSITION = `# HELP payment_requests_total Requests handled
# TYPE payment_requests_total counter
payment_requests_total{service="payments",method="POST",route="/payments",status="OK",code="200"} 7
payment_requests_total{service="payments",method="POST",route="/payments",status="FAILED",code="402"} 2
payment_requests_total{service="payments",method="RPC",route="payments.create",status="OK",code="OK"} 4
payment_requests_total{service="payments",method="GET",route="/metrics",status="OK",code="200"} 50
payment_requests_total{service="payments",method="GET",route="/healthz",status="FAILED",code="503"} 3
payment_requests_total{service="payments",method="GET",route="<unmatched>",status="FAILED",code="404"} 1
payment_requests_total{service="payments",method="GET",route="/a \\"quoted\\" route",status="OK",code="200"} 1
# TYPE payment_request_duration_seconds histogram
payment_request_duration_seconds_bucket{le="0.001",service="payments",method="POST",route="/payments"} 1
payment_request_duration_seconds_bucket{le="0.0025",service="payments",method="POST",route="/payments"} 5
payment_request_duration_seconds_bucket{le="10",service="payments",method="POST",route="/payments"} 9
payment_request_duration_seconds_bucket{le="+Inf",service="payments",method="POST",route="/payments"} 9
payment_request_duration_seconds_bucket{le="0.001",service="payments",method="GET",route="/metrics"} 50
payment_request_duration_seconds_bucket{le="+Inf",service="payments",method="GET",route="/metrics"} 50
payment_request_duration_seconds_sum{service="payments",method="POST",route="/payments"} 0.02
payment_request_duration_seconds_count{service="payments",method="POST",route="/payments"} 9
process_cpu_seconds_total{service="payments"} 1.5
`;

describe('dashboard: reading /metrics', () => {
  it('sums the seed metrics over traffic routes, leaving out plumbing', () => {
    const t = trafficFromMetrics(EXPOSITION, LATENCY_BUCKETS);
    expect(t.requests).toBe(7 + 2 + 4 + 1 + 1);
    expect(t.failed).toBe(2 + 1);
    expect(t.latency).toHaveLength(LATENCY_BUCKETS.length + 1);
    expect(t.latency[0]).toBe(1);
    expect(t.latency[1]).toBe(5);
    expect(t.latency[LATENCY_BUCKETS.indexOf(10)]).toBe(9);
    expect(t.latency[LATENCY_BUCKETS.length]).toBe(9);
  });

  it('knows the plumbing routes', () => {
    for (const r of ['/', '/metrics', '/healthz', '/livez', '/docs', '/docs-json', '/ui/summary', '/ui/:asset'])
      expect(isPlumbingRoute(r)).toBe(true);
    for (const r of ['/payments', '/payments/:id', 'payments.create', '<unmatched>', '/rates/stream', '/uix'])
      expect(isPlumbingRoute(r)).toBe(false);
  });

  it('reads an empty or garbled exposition as zero traffic', () => {
    expect(trafficFromMetrics('', LATENCY_BUCKETS).requests).toBe(0);
    expect(trafficFromMetrics('payment_requests_total{route="/x"} NaN\nnot a sample\n', LATENCY_BUCKETS).requests).toBe(0);
  });
});

describe('dashboard: the page arithmetic (assets/dashboard-math.js)', () => {
  const bounds = [0.01, 0.1, 1];

  it('takes counter increases, a reset counting from zero', () => {
    expect(increase(10, 15)).toBe(5);
    expect(increase(10, 3)).toBe(3);
  });

  it('interpolates quantiles like histogram_quantile', () => {
    // 100 observations between the samples: 50 ≤ 10 ms, 40 in (10, 100] ms, 10 in (100 ms, 1 s].
    const before = [10, 10, 10, 10];
    const after = [60, 100, 110, 110];
    expect(quantileBetween(0.5, bounds, before, after)).toBeCloseTo(0.01, 10);
    expect(quantileBetween(0.95, bounds, before, after)).toBeCloseTo(0.1 + 0.9 * 0.5, 10);
    expect(quantileBetween(0.95, bounds, after, after)).toBeNull();
    // Everything in +Inf: the highest finite bound.
    expect(quantileBetween(0.95, bounds, [0, 0, 0, 0], [0, 0, 0, 4])).toBe(1);
    // A restarted service: the newer counts alone.
    expect(quantileBetween(0.5, bounds, [100, 100, 100, 100], [2, 2, 2, 2])).toBeCloseTo(0.005, 10);
  });

  it('turns two summaries into one chart point per service', () => {
    const older = {
      at: '2026-11-25T12:00:00.000Z',
      latency_bounds: bounds,
      services: [
        { service: 'payments', traffic: { requests: 100, failed: 5, latency: [50, 90, 100, 100] } },
        { service: 'fx', traffic: null },
      ],
    };
    const newer = {
      at: '2026-11-25T12:00:05.000Z',
      latency_bounds: bounds,
      services: [
        { service: 'payments', traffic: { requests: 150, failed: 15, latency: [50, 140, 150, 150] } },
        { service: 'fx', traffic: { requests: 3, failed: 0, latency: [3, 3, 3, 3] } },
        { service: 'risk', traffic: { requests: 0, failed: 0, latency: [0, 0, 0, 0] } },
      ],
    };
    const p = pointsBetween(older, newer);
    expect(p.payments.rps).toBe(10);
    expect(p.payments.errorPct).toBe(20);
    expect(p.payments.p95Ms).toBeCloseTo((0.01 + 0.09 * (47.5 / 50)) * 1000, 6);
    expect(p.fx).toEqual({ rps: null, errorPct: null, p95Ms: null });
    expect(p.risk).toEqual({ rps: null, errorPct: null, p95Ms: null });
  });

  it('crosses pivot rates for display', () => {
    expect(crossRate({ USD: '1.25', IDR: '20000' }, 'USD', 'IDR')).toBe(16000);
    expect(crossRate({ EUR: '1', USD: '1.25' }, 'EUR', 'USD')).toBe(1.25);
    expect(crossRate({ USD: '1.25' }, 'USD', 'IDR')).toBeNull();
  });
});

describe('dashboard: the page and its CSP', () => {
  it("frames nothing without Grafana, exactly Grafana's origin with it, and no other external origin", () => {
    const none = contentSecurityPolicy();
    expect(none).toContain("frame-src 'none'");
    expect(none).toContain("script-src 'self'");
    expect(none.split('; ')).toContain("connect-src 'self'");
    expect(none).not.toMatch(/https?:/);
    const g = contentSecurityPolicy('http://127.0.0.1:3000/grafana/');
    expect(g.split('; ')).toContain('frame-src http://127.0.0.1:3000');
    expect(g.match(/https?:\/\/[^\s;]+/g)).toEqual(['http://127.0.0.1:3000']);
    expect(contentSecurityPolicy('javascript:alert(1)')).toContain("frame-src 'none'");
  });

  it('embeds Grafana only when given, escapes what it prints, and has no inline script', () => {
    const html = renderPage({ demoKey: 'pk_"><script>' });
    expect(html).not.toContain('<iframe');
    expect(html).toContain('data-demo-key="pk_&quot;&gt;&lt;script&gt;"');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html.match(/<script[^>]*>/g)?.every((tag) => / src="\/ui\//.test(tag))).toBe(true);
    const withGrafana = renderPage({ grafanaUrl: 'http://grafana:3000/' });
    expect(withGrafana).toContain('<iframe id="grafana" src="http://grafana:3000/d/paygw-poc?kiosk"');
    expect(grafanaDashboardUrl('http://g:3000/sub/')).toBe('http://g:3000/sub/d/paygw-poc?kiosk');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('dashboard: where the summary reads each service', () => {
  it('defaults to each port on loopback (0.0.0.0 means every interface) and takes DASHBOARD_SERVICE_URLS over it', () => {
    const plain = new DashboardService(loadRuntimeConfig({ NODE_ENV: 'test', SERVICE_HOST: '0.0.0.0', GATEWAY_HOST: '0.0.0.0' }));
    expect(plain.targets()).toEqual({
      gateway: 'http://127.0.0.1:8080',
      payments: 'http://127.0.0.1:8081',
      fx: 'http://127.0.0.1:8082',
      wallet: 'http://127.0.0.1:8083',
      risk: 'http://127.0.0.1:8084',
    });
    const rt = loadRuntimeConfig({ NODE_ENV: 'test', DASHBOARD_SERVICE_URLS: 'payments=http://payments:8081/,fx=http://fx:8082' });
    expect(rt.dashboardServiceUrls).toEqual({ payments: 'http://payments:8081', fx: 'http://fx:8082' });
    expect(new DashboardService(rt).targets()).toMatchObject({
      payments: 'http://payments:8081',
      fx: 'http://fx:8082',
      risk: 'http://127.0.0.1:8084',
    });
  });

  it('refuses a malformed DASHBOARD_SERVICE_URLS at boot', () => {
    expect(() => loadRuntimeConfig({ DASHBOARD_SERVICE_URLS: 'ledger=http://x:1' })).toThrow(
      /DASHBOARD_SERVICE_URLS must list service=url pairs/,
    );
    expect(() => loadRuntimeConfig({ DASHBOARD_SERVICE_URLS: 'payments=ftp://x' })).toThrow(/DASHBOARD_SERVICE_URLS/);
  });
});
