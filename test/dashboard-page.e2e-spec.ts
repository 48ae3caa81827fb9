import type { INestApplication } from '@nestjs/common';
import { startService } from '@paygate/platform';
import { freePort } from '@paygate/testing';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, ConsoleMessage, Page, chromium } from 'playwright-core';
import request from 'supertest';
import { gatewayService, gatewayStartOptions } from '../apps/gateway/src/gateway-app.module';
import { TestEnvironment, microservicesEnvironment, monolithEnvironment } from './support/environments';

/**
 * The gateway's live page at `/` in a real headless Chromium (Debian's, driven by playwright-core):
 * after payments through the API its charts' data (window.__paygate) has grown; no console errors,
 * no CSP violations; a screenshot for the README. And the page's CSP: Grafana framed exactly when
 * GRAFANA_URL answers.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PageState {
  series: { t: number[]; requests: Record<string, Array<number | null>>; p95: Record<string, Array<number | null>>; fx: { t: number[] } };
  samples: number;
  ticks: number;
  payments: number;
  totals: Record<string, number>;
  health: Record<string, string>;
  problems: string[];
}
/** The page's globals as the browser sees them (read inside page.evaluate / waitForFunction). */
interface PageGlobals {
  __paygate: PageState;
  __csp: string[];
}

interface Browser {
  context: BrowserContext;
  profile: string;
  close(): Promise<void>;
}

async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'paygate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 1100 },
  });
  // Every CSP violation the page reports, kept for the test (the page itself has no inline script).
  await context.addInitScript({
    content:
      "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
  return {
    context,
    profile,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that records its console errors, uncaught errors and failed requests. */
async function open(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The FX stream is aborted when the page closes: not an error of the page.
    if (!r.url().endsWith('/rates/stream')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}

function directives(csp: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name] = values.join(' ');
  }
  return out;
}

/** A stand-in Grafana on loopback: /api/health answers, /d/paygw-poc is a page. */
async function fakeGrafana(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/api/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end('{"database":"ok","version":"11.1.0"}');
    }
    if (req.url?.startsWith('/d/paygw-poc')) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<!doctype html><title>Grafana</title><h1 id="fake-grafana">paygw-poc</h1>');
    }
    res.writeHead(404).end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function pay(env: TestEnvironment, id: string, amount: string) {
  await request(env.urls.gateway)
    .post('/payments')
    .set('Authorization', `Bearer ${env.demoKey}`)
    .send({ id, currency: 'USD', amount, source_account: 'ACC_SRC_ABC', destination_account: 'ACC_DST_DEF' })
    .expect((r) => {
      if (r.status !== 200 && r.status !== 201) throw new Error(`payment ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    });
}

/** Opens `/`, waits for samples and ticks, pays, and waits for the charts' data to grow. */
async function chartsGrowAfterPayments(env: TestEnvironment, browser: Browser, prefix: string, screenshot?: string[]) {
  const { page, errors } = await open(browser, `${env.urls.gateway}/`);
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).__paygate.samples >= 2 && (globalThis as unknown as PageGlobals).__paygate.ticks >= 2,
    undefined,
    { timeout: 90_000 },
  );
  const before = await page.evaluate(() => ({
    samples: (globalThis as unknown as PageGlobals).__paygate.samples,
    ticks: (globalThis as unknown as PageGlobals).__paygate.ticks,
    gateway: (globalThis as unknown as PageGlobals).__paygate.totals.gateway,
    payments: (globalThis as unknown as PageGlobals).__paygate.payments,
  }));
  for (let i = 1; i <= 6; i++) await pay(env, `${prefix}-${i}`, `${i}2.34`);
  await page.waitForFunction(
    (b) => {
      const p = (globalThis as unknown as PageGlobals).__paygate;
      const paymentsRps = p.series.requests.payments.slice(-5);
      return (
        p.payments >= b.payments + 6 &&
        p.totals.gateway >= b.gateway + 6 &&
        p.samples >= b.samples + 3 &&
        p.ticks > b.ticks &&
        paymentsRps.some((v) => v !== null && v > 0) &&
        p.series.p95.gateway.some((v) => v !== null && v > 0) &&
        Object.keys(p.health).length === 5 &&
        Object.values(p.health).every((h) => h === 'up')
      );
    },
    before,
    { timeout: 90_000 },
  );
  const after = await page.evaluate(() => (globalThis as unknown as PageGlobals).__paygate);
  expect(after.series.t.length).toBeGreaterThan(before.samples);
  expect(after.series.fx.t.length).toBeGreaterThan(before.ticks);
  expect(await page.locator('#payments tbody tr').count()).toBeGreaterThanOrEqual(6);
  await expect(page.locator('#payments tbody').textContent()).resolves.toContain(`${prefix}-6`);
  expect(await page.locator('iframe').count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__csp)).toEqual([]);
  expect(after.problems).toEqual([]);
  expect(errors).toEqual([]);
  if (screenshot) {
    // A few more seconds of lines for the README's picture.
    await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).__paygate.samples >= n, after.samples + 8, {
      timeout: 90_000,
    });
    for (const path of screenshot) await page.screenshot({ path, fullPage: true });
  }
  await page.close();
  return after;
}

describe('dashboard page at / (monolith)', () => {
  let env: TestEnvironment;
  let browser: Browser;

  beforeAll(async () => {
    env = await monolithEnvironment({ fx: { providers: ['live', 'ecb'], tickMs: 250 } });
    browser = await launch();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  }, 60_000);

  it('serves the page with no key, a strict CSP that frames nothing, and uPlot from this origin', async () => {
    const res = await request(env.urls.gateway)
      .get('/')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp['frame-src']).toBe("'none'");
    expect(csp['script-src']).toBe("'self'");
    expect(csp['connect-src']).toBe("'self'");
    expect(res.headers['content-security-policy']).not.toMatch(/https?:\/\//);
    expect(res.text).not.toContain('<iframe');
    expect(res.text).toContain(`data-demo-key="${env.demoKey}"`);
    const uplot = await request(env.urls.gateway)
      .get('/ui/uPlot.iife.min.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    expect(uplot.text).toContain('uPlot');
    await request(env.urls.gateway)
      .get('/ui/uPlot.min.css')
      .expect(200)
      .expect('Content-Type', /text\/css/);
    const missing = await request(env.urls.gateway).get('/ui/..%2F..%2Fpackage.json').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    await request(env.urls.gateway).get('/ui/constructor').expect(404);
  }, 60_000);

  it('answers /ui/summary with no key: per service a health word and aggregate counters only', async () => {
    await pay(env, 'PAY-UI-SUMMARY', '1.00');
    const { body } = await request(env.urls.gateway).get('/ui/summary').expect(200);
    expect(body.services.map((s: { service: string }) => s.service)).toEqual(['gateway', 'payments', 'fx', 'wallet', 'risk']);
    for (const s of body.services) {
      expect(s.health).toBe('up');
      expect(Object.keys(s.traffic).sort()).toEqual(['failed', 'latency', 'requests']);
      expect(s.traffic.latency).toHaveLength(body.latency_bounds.length + 1);
    }
    expect(body.services[1].traffic.requests).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/\/payments|PAY-UI|ACC_|merchant/);
  }, 60_000);

  it('in Chromium: the charts grow after payments, with no console errors or CSP violations (screenshot)', async () => {
    mkdirSync('reports', { recursive: true });
    const state = await chartsGrowAfterPayments(env, browser, 'PAY-UI-MONO', ['docs/dashboard.png', 'reports/dashboard-monolith.png']);
    expect(state.totals.payments).toBeGreaterThan(0);
  }, 240_000);

  describe('with GRAFANA_URL', () => {
    let grafana: Awaited<ReturnType<typeof fakeGrafana>>;
    const extra: INestApplication[] = [];
    /** Another gateway on the same monolith, with its own GRAFANA_URL. */
    const gatewayWith = async (grafanaUrl: string) => {
      const rt = { ...env.rt, ports: { ...env.rt.ports, gateway: await freePort() }, http: { ...env.rt.http, grafanaUrl } };
      const app = await startService(gatewayService(rt), rt, { ...gatewayStartOptions, docs: undefined, pgliteName: 'monolith' });
      extra.push(app);
      return app.getUrl();
    };
    beforeAll(async () => {
      grafana = await fakeGrafana();
    });
    afterAll(async () => {
      for (const app of extra) {
        // The browser (closed after this block) may still hold the page's event stream open on
        // this gateway, and server.close() would wait for it: cut every connection first.
        (app.getHttpServer() as Server).closeAllConnections();
        await app.close();
      }
      await grafana?.close();
    }, 60_000);

    it('reachable: the iframe is there and frame-src names exactly its origin (and it loads without violations)', async () => {
      const url = await gatewayWith(`${grafana.url}/`);
      const res = await request(url).get('/').expect(200);
      const csp = directives(res.headers['content-security-policy']);
      expect(csp['frame-src']).toBe(grafana.url);
      expect(res.headers['content-security-policy'].match(/https?:\/\/[^\s;]+/g)).toEqual([grafana.url]);
      expect(res.text).toContain(`<iframe id="grafana" src="${grafana.url}/d/paygw-poc?kiosk"`);
      expect(grafana.hits).toContain('/api/health');

      const { page, errors } = await open(browser, `${url}/`);
      const frame = page.frameLocator('#grafana');
      await expect(frame.locator('#fake-grafana').textContent()).resolves.toBe('paygw-poc');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__paygate.samples >= 1, undefined, { timeout: 90_000 });
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__csp)).toEqual([]);
      expect(errors).toEqual([]);
      expect(grafana.hits.some((h) => h.startsWith('/d/paygw-poc?kiosk'))).toBe(true);
      await page.close();
    }, 240_000);

    it("unreachable: no iframe and frame-src 'none'", async () => {
      const url = await gatewayWith(`http://127.0.0.1:${await freePort()}`);
      const res = await request(url).get('/').expect(200);
      expect(directives(res.headers['content-security-policy'])['frame-src']).toBe("'none'");
      expect(res.text).not.toContain('<iframe');
    }, 120_000);
  });
});

describe('dashboard page at / (microservices over NATS)', () => {
  let env: TestEnvironment;
  let browser: Browser;

  beforeAll(async () => {
    env = await microservicesEnvironment({ fx: { providers: ['live', 'ecb'], tickMs: 250 } });
    browser = await launch();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  }, 60_000);

  it("in Chromium: each service's own /metrics feeds the charts, which grow after payments", async () => {
    const state = await chartsGrowAfterPayments(env, browser, 'PAY-UI-MS', ['reports/dashboard-microservices.png']);
    for (const s of ['payments', 'risk', 'wallet']) expect(state.totals[s]).toBeGreaterThan(0);
  }, 240_000);
});
