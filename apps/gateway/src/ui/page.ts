/** What the server decides for one rendering of the page. */
export interface PageOptions {
  /** Prefilled into the key field (never in production). */
  demoKey?: string;
  /** The Grafana base URL, only when it answered just now. */
  grafanaUrl?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The Grafana dashboard's kiosk URL (uid paygw-poc). */
export function grafanaDashboardUrl(grafanaUrl: string): string {
  return `${grafanaUrl.replace(/\/+$/, '')}/d/paygw-poc?kiosk`;
}

/**
 * The dashboard page: no inline script or style (the CSP allows this origin's files only); the
 * data comes from /ui/summary, /payments and /rates/stream, fetched by /ui/app.js.
 */
export function renderPage(o: PageOptions): string {
  const grafana = o.grafanaUrl
    ? `<section class="wide" id="grafana-panel">
      <h2>Grafana <span class="muted">(dashboard paygw-poc)</span></h2>
      <iframe id="grafana" src="${escapeHtml(grafanaDashboardUrl(o.grafanaUrl))}" title="Grafana dashboard paygw-poc" referrerpolicy="no-referrer"></iframe>
    </section>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Paygate — live</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/ui/uPlot.min.css">
  <link rel="stylesheet" href="/ui/app.css">
</head>
<body data-demo-key="${escapeHtml(o.demoKey ?? '')}">
  <header>
    <h1>Paygate <span class="muted">live</span></h1>
    <ul id="health" aria-label="Service health"></ul>
    <form id="key-form" autocomplete="off">
      <label for="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" placeholder="pk_…" spellcheck="false">
      <button type="submit">Use</button>
      <span id="key-status" class="muted"></span>
    </form>
  </header>
  <main>
    <section><h2>Requests/s</h2><div class="chart" id="chart-requests"></div></section>
    <section><h2>Error rate (%)</h2><div class="chart" id="chart-errors"></div></section>
    <section><h2>p95 latency (ms)</h2><div class="chart" id="chart-p95"></div></section>
    <section><h2>FX ticks <span class="muted" id="fx-last"></span></h2><div class="chart" id="chart-fx"></div></section>
    <section class="wide">
      <h2>Recent payments <span class="muted" id="payments-status"></span></h2>
      <table id="payments">
        <thead><tr><th>Payment</th><th>Status</th><th class="num">Amount</th><th>From → To</th><th>Risk</th><th>Created</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    ${grafana}
  </main>
  <footer class="muted">Rates are sampled every second from each service's own /metrics (plumbing routes excluded); charts keep the last five minutes.</footer>
  <script src="/ui/uPlot.iife.min.js"></script>
  <script src="/ui/dashboard-math.js"></script>
  <script src="/ui/app.js"></script>
</body>
</html>
`;
}
