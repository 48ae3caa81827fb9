import { freePort, waitForPort } from '@paygate/testing';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { eventually } from './eventually';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';
export const REPO = resolve(__dirname, '..', '..');
export const RULES_DIR = join(REPO, 'prometheus', 'rules');

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusHandle {
  url: string;
  /** An instant query: the vector's samples (scalars come back as one sample with no labels). */
  query(expr: string): Promise<PromSample[]>;
  /** Resolves once every target has been scraped `times` more times from now (by the targets' own scrape count). */
  scraped(times?: number): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Runs promtool; rejects with its output when it fails. */
export async function promtool(args: string[], stdin?: string): Promise<string> {
  if (stdin === undefined) {
    const { stdout, stderr } = await run(PROMTOOL_BIN, args, { cwd: REPO }).catch(
      (e: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
      },
    );
    return `${stdout}${stderr}`;
  }
  return new Promise((ok, fail) => {
    const child = spawn(PROMTOOL_BIN, args, { cwd: REPO });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`promtool ${args.join(' ')} exited ${code}:\n${out}`))));
    child.stdin.end(stdin);
  });
}

/**
 * A real Prometheus (Debian's package) on a free loopback port, scraping `targets`
 * (service → base URL) every second with the repository's alert rules loaded, its TSDB in a
 * temporary folder. The scrape config mirrors prometheus/prometheus.yml (job `paygate`,
 * honor_labels, a `service` label per target).
 */
export async function startPrometheus(targets: Record<string, string>): Promise<PrometheusHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'paygate-prom-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [join(RULES_DIR, '*.yml')],
    scrape_configs: [
      {
        job_name: 'paygate',
        metrics_path: '/metrics',
        honor_labels: true,
        static_configs: Object.entries(targets).map(([service, url]) => ({
          targets: [new URL(url).host],
          labels: { service },
        })),
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  await promtool(['check', 'config', configFile]);
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = `${log}${d.toString()}`.slice(-8000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([
    waitForPort(port, 30_000),
    new Promise((_, reject) => child.once('error', (e) => reject(new Error(`cannot start ${PROMETHEUS_BIN}: ${e.message}`)))),
    exited.then(() => {
      throw new Error(`prometheus exited:\n${log}`);
    }),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200 ? true : undefined),
    30_000,
    'Prometheus ready',
  );

  const query = async (expr: string): Promise<PromSample[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (res.status >= 500 && res.headers.get('content-type')?.includes('json') !== true)
      throw new Error(`query ${expr}: HTTP ${res.status}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as [number, string] }];
    if (body.data.resultType !== 'vector') throw new Error(`query ${expr}: unexpected ${body.data.resultType}`);
    return body.data.result as PromSample[];
  };
  const scrapes = async (): Promise<number[] | undefined> => {
    // scrape_samples_scraped is written once per scrape of each target; count_over_time counts them.
    const r = await query('count_over_time(scrape_samples_scraped{job="paygate"}[1h])');
    return r.length ? r.map((s) => Number(s.value[1])) : undefined;
  };
  const handle: PrometheusHandle = {
    url,
    query,
    async scraped(times = 2) {
      await eventually(
        async () => ((await scrapes())?.length === Object.keys(targets).length ? true : undefined),
        30_000,
        'the first scrape of every target',
      );
      const before = Math.max(...((await scrapes()) ?? [0]));
      await eventually(
        async () => {
          const now = await scrapes();
          return now && Math.min(...now) >= before + times ? true : undefined;
        },
        30_000,
        `${times} more scrapes of every target`,
      );
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Every Prometheus expression of a generated Grafana dashboard, with its panel's title. */
export interface PanelExpr {
  panel: string;
  refId: string;
  expr: string;
}

interface DashboardJson {
  panels?: { type: string; title?: string; targets?: { refId?: string; expr?: string }[] }[];
}

export function dashboardExprs(file = join(REPO, 'grafana', 'dashboards', 'payment.json')): PanelExpr[] {
  const d = JSON.parse(readFileSync(file, 'utf8')) as DashboardJson;
  const out: PanelExpr[] = [];
  for (const p of d.panels ?? []) {
    for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? p.type, refId: t.refId ?? '?', expr: t.expr });
  }
  return out;
}

/** Template variables as Grafana substitutes them with "All" selected (allValue `.*`). */
export function substituteAll(expr: string): string {
  return expr.replace(/\$(service|currency)\b/g, '.*');
}
