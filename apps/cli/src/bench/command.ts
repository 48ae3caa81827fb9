import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { migrationsFolder, openDatabase, projectRoot } from '@paygate/database';
import { DEFAULT_DEMO_API_KEY } from '@paygate/platform';
import { createTestDatabase, freePort, startNatsServer } from '@paygate/testing';
import { LoadSettings, load } from '../load/command';
import { parseDuration } from '../load/report';
import type { LoadResult } from '../load/runner';
import type { ScenarioName } from '../load/scenarios';
import { analyzeWallet, benchWalletId, countEntries, loadHistory, loadWallets } from './bulk-load';
import { CpuSample, cpuPerRequest, cpuSample, machineTicks, stealPercent } from './cpu';
import { ledgerBench } from './ledger-bench';
import { Child, distEntry, startNode, waitHealthy } from './processes';

const HELP = `usage: npm run bench -- [options]

Runs the benchmark scenarios and, in the same run, this machine's ceilings (pgbench of a bare
two-row transfer on the same PostgreSQL; a bare Nest HTTP endpoint), then prints a Markdown
table with the figures and their ratios to the ceilings. Needs PostgreSQL (BENCH_DATABASE_ADMIN_URL,
default postgres://postgres@127.0.0.1:5432/postgres), pgbench and nats-server, and the built apps
(npm run build).

  --duration D      per scenario (default 10s)
  --concurrency N   closed-loop workers (default 32)
  --quick           2 s per scenario (a smoke run, not figures)
  --only LIST       comma-separated subset: ceilings,ledger,monolith,microservices (the default),
                    or scale (not in the default: minutes of bulk loading)
  --scale-max-wallets N   scale: wallet counts 100, 1,000, … up to N (default 1000000)
  --scale-max-entries N   scale: ledger sizes 100,000, 1,000,000, … up to N entries (default 10000000)
  --out PATH        Markdown output (default bench-results/latest.md)

scale: throughput and latency of ledger transfers (repository → PostgreSQL, random pairs) as the
number of wallets grows (100 → 10^6, bulk-created with a funding deposit each), then, with 1,000
wallets, as the ledger grows (10^5 → 10^7 entries of bulk-loaded transfer history).
`;

interface Row {
  scenario: string;
  setup: string;
  result: LoadResult | { achievedRate: number; latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number } };
  ceiling?: 'pgbench' | 'http';
  note?: string;
  /** CPU ms per request: the services' processes, PostgreSQL, the load generator. */
  cpu?: CpuSample;
}

interface Options {
  durationMs: number;
  concurrency: number;
  only: Set<string>;
  out: string;
  scaleMaxWallets: number;
  scaleMaxEntries: number;
}

const ADMIN_URL = () =>
  process.env.BENCH_DATABASE_ADMIN_URL ?? process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10s' },
      concurrency: { type: 'string', default: '32' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string', default: 'ceilings,ledger,monolith,microservices' },
      out: { type: 'string', default: 'bench-results/latest.md' },
      'scale-max-wallets': { type: 'string', default: '1000000' },
      'scale-max-entries': { type: 'string', default: '10000000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const o: Options = {
    durationMs: values.quick ? 2000 : parseDuration(values.duration!),
    concurrency: Number(values.concurrency),
    only: new Set(values.only!.split(',').map((s) => s.trim())),
    out: values.out!,
    scaleMaxWallets: count(values['scale-max-wallets']!, '--scale-max-wallets'),
    scaleMaxEntries: count(values['scale-max-entries']!, '--scale-max-entries'),
  };
  const root = projectRoot();
  const rows: Row[] = [];
  const ceilings: { pgbenchTps?: number; httpRps?: number } = {};
  const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const machineAtStart = machineTicks();

  if (o.only.has('ceilings')) {
    say('ceiling: pgbench two-row transfer');
    const pg = await pgbenchTransfer(root, o);
    ceilings.pgbenchTps = pg.tps;
    rows.push({
      scenario: 'ceiling: bare two-row transfer (pgbench)',
      setup: `PostgreSQL, ${o.concurrency} clients`,
      result: pg.asResult,
      ceiling: 'pgbench',
      cpu: pg.cpu,
    });
    say('ceiling: bare Nest endpoint');
    const http = await bareNest(root, o);
    ceilings.httpRps = http.result.achievedRate;
    rows.push({
      scenario: 'ceiling: bare Nest GET',
      setup: `Nest + Fastify, ${o.concurrency} connections`,
      result: http.result,
      ceiling: 'http',
      cpu: http.cpu,
    });
  }
  if (o.only.has('ledger')) rows.push(...(await ledgerScenarios(o, say)));
  if (o.only.has('monolith')) rows.push(...(await monolithScenarios(root, o, say)));
  if (o.only.has('microservices')) rows.push(...(await microserviceScenarios(root, o, say)));
  if (o.only.has('scale')) rows.push(...(await scaleScenarios(o, say)));

  const md = await markdown(rows, ceilings, o, stealPercent(machineAtStart, machineTicks()));
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, md);
  process.stdout.write(md);
  say(`written to ${o.out}`);
  return 0;
}

/** The ceiling of a ledger transfer: pgbench's TPS for bench/pgbench/transfer.sql. */
async function pgbenchTransfer(root: string, o: Options): Promise<{ tps: number; asResult: Row['result']; cpu?: CpuSample }> {
  const db = await createBenchDatabase();
  try {
    execFileSync('psql', [db.url, '-q', '-v', 'ON_ERROR_STOP=1', '-f', join(root, 'bench/pgbench/setup.sql')], { stdio: 'pipe' });
    const before = cpuSample([]);
    const out = execFileSync(
      'pgbench',
      [
        '-n',
        '-f',
        join(root, 'bench/pgbench/transfer.sql'),
        '-D',
        'naccounts=100000',
        '-c',
        String(o.concurrency),
        '-j',
        '2',
        '-T',
        String(Math.max(1, Math.round(o.durationMs / 1000))),
        '-r',
        db.url,
      ],
      { encoding: 'utf8' },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    const avg = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench output:\n${out}`);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
    // PostgreSQL's share only: pgbench is a child process whose CPU this one does not see.
    const pgCpu = cpuPerRequest(before, cpuSample([]), transactions);
    return {
      cpu: pgCpu && { services: NaN, postgres: pgCpu.postgres, loadGenerator: NaN },
      tps,
      asResult: { achievedRate: Math.round(tps), latencyMs: { p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: avg } },
    };
  } finally {
    await db.drop();
  }
}

async function bareNest(root: string, o: Options): Promise<{ result: LoadResult; cpu?: CpuSample }> {
  const port = await freePort();
  const child = startNode('bare-nest', root, join(dirname(distEntry(root, 'cli')), 'bench', 'bare-nest.js'), [String(port)], {});
  try {
    await waitHealthy(`http://127.0.0.1:${port}/ping`, 20_000, [child]);
    const target = new URL(`http://127.0.0.1:${port}`);
    const { runLoad } = await import('../load/runner');
    const before = cpuSample([child.proc.pid!]);
    const result = await runLoad({
      target,
      durationMs: o.durationMs,
      concurrency: o.concurrency,
      connections: o.concurrency,
      timeoutMs: 10_000,
      maxInFlight: 20_000,
      next: () => ({ method: 'GET', path: '/ping' }),
    });
    return { result, cpu: cpuPerRequest(before, cpuSample([child.proc.pid!]), result.completed) };
  } finally {
    await child.stop();
  }
}

/** The ledger alone (repository → PostgreSQL): transfers among random wallets, and from one hot wallet. */
async function ledgerScenarios(o: Options, say: (l: string) => void): Promise<Row[]> {
  const db = await createBenchDatabase();
  try {
    const rows: Row[] = [];
    for (const hot of [false, true]) {
      say(`ledger: ${hot ? 'one hot source wallet' : 'random wallets'}`);
      const r = await ledgerBench(db.url, { durationMs: o.durationMs, concurrency: o.concurrency, wallets: 1000, hot });
      rows.push({
        scenario: hot ? 'ledger transfer, one hot source wallet' : 'ledger transfer, random pairs of 1,000 wallets',
        setup: `wallet repository → PostgreSQL, ${o.concurrency} workers`,
        result: { ...r, statuses: {}, outcomes: r.outcomes } as unknown as LoadResult,
        ceiling: 'pgbench',
      });
    }
    return rows;
  } finally {
    await db.drop();
  }
}

/** A count option: digits, with optional `_`/`,` separators or an exponent (1e6). */
function count(text: string, name: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}: expected a whole number, got ${JSON.stringify(text)}`);
  return n;
}

const WALLET_STEPS = [100, 1_000, 10_000, 100_000, 1_000_000];
const ENTRY_STEPS = [100_000, 1_000_000, 10_000_000];
const SCALE_LEDGER_WALLETS = 1_000;
const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Cost growth: the random-pairs ledger bench as the wallets grow (one database, wallets added in
 * bulk up to each step), then as the ledger grows with 1,000 wallets (another database, transfer
 * history added in bulk up to each step's entry count). Load times go to stderr.
 */
async function scaleScenarios(o: Options, say: (l: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const bench = async (url: string, prefix: string, wallets: number, scenario: string, setup: string) => {
    const r = await ledgerBench(url, {
      durationMs: o.durationMs,
      concurrency: o.concurrency,
      hot: false,
      prepared: { id: (n) => benchWalletId(prefix, n), count: wallets },
    });
    rows.push({ scenario, setup, result: { ...r, statuses: {}, outcomes: r.outcomes } as unknown as LoadResult, ceiling: 'pgbench' });
  };

  const walletSteps = WALLET_STEPS.filter((n) => n <= o.scaleMaxWallets);
  if (walletSteps.length > 0) {
    const db = await createBenchDatabase();
    const c = await migratedClient(db.url);
    try {
      let have = 0;
      for (const n of walletSteps) {
        const load = await loadWallets(c, { prefix: 'w', from: have, to: n, say });
        const vac = await analyzeWallet(c);
        say(`scale: wallets ${fmt(have)} → ${fmt(n)}: loaded in ${load.toFixed(1)} s, vacuum analyze ${vac.toFixed(1)} s`);
        have = n;
        say(`scale: random pairs of ${fmt(n)} wallets`);
        await bench(db.url, 'w', n, 'scale: ledger transfer, random pairs', `wallet repository → PostgreSQL, ${fmt(n)} wallets`);
      }
    } finally {
      await c.end();
      await db.drop();
    }
  }

  const entrySteps = ENTRY_STEPS.filter((n) => n <= o.scaleMaxEntries);
  if (entrySteps.length > 0) {
    const db = await createBenchDatabase();
    const c = await migratedClient(db.url);
    try {
      const load = await loadWallets(c, { prefix: 'h', from: 0, to: SCALE_LEDGER_WALLETS, say });
      say(`scale: ${fmt(SCALE_LEDGER_WALLETS)} wallets loaded in ${load.toFixed(1)} s`);
      for (const target of entrySteps) {
        const have = await countEntries(c);
        const secs = await loadHistory(c, { prefix: 'h', wallets: SCALE_LEDGER_WALLETS, entries: Math.max(0, target - have), say });
        const vac = await analyzeWallet(c);
        say(
          `scale: ledger ${fmt(have)} → ${fmt(await countEntries(c))} entries: loaded in ${secs.toFixed(1)} s, vacuum analyze ${vac.toFixed(1)} s`,
        );
        say(`scale: random pairs of ${fmt(SCALE_LEDGER_WALLETS)} wallets, ledger of ${fmt(target)} entries`);
        await bench(
          db.url,
          'h',
          SCALE_LEDGER_WALLETS,
          `scale: ledger transfer, random pairs of ${fmt(SCALE_LEDGER_WALLETS)} wallets`,
          `wallet repository → PostgreSQL, ledger of ${fmt(target)} entries`,
        );
      }
    } finally {
      await c.end();
      await db.drop();
    }
  }
  return rows;
}

/** A plain client on a database whose wallet schema is migrated (the bulk loader writes raw SQL). */
async function migratedClient(url: string): Promise<Client> {
  const handle = openDatabase({ url, pgliteDir: '', poolSize: 1 });
  try {
    await handle.migrate('wallet', migrationsFolder('wallet'));
  } finally {
    await handle.close();
  }
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

const PORT_NAMES = ['GATEWAY_PORT', 'PAYMENTS_PORT', 'FX_PORT', 'WALLET_PORT', 'RISK_PORT'] as const;

async function portsEnv(): Promise<Record<(typeof PORT_NAMES)[number], string>> {
  const env = {} as Record<(typeof PORT_NAMES)[number], string>;
  for (const name of PORT_NAMES) env[name] = String(await freePort());
  return env;
}

/** The HTTP scenarios against one running deployment, closed loop at the bench's concurrency. */
async function scenarios(
  gateway: URL,
  setup: string,
  o: Options,
  which: ScenarioName[],
  say: (l: string) => void,
  servicePids: readonly number[] = [],
): Promise<Row[]> {
  const rows: Row[] = [];
  const labels: Record<ScenarioName, string> = {
    payments: 'POST /payments (CSV replay, unique ids)',
    'hot-wallet': 'POST /payments, one hot source wallet',
    replay: 'POST /payments, idempotent replay (64 ids)',
    balance: 'GET /balance/{id}',
    convert: 'GET /convert',
    score: 'POST /score',
  };
  for (const scenario of which) {
    say(`${setup}: ${scenario}`);
    const base: LoadSettings = {
      target: gateway,
      scenario,
      concurrency: o.concurrency,
      durationMs: o.durationMs,
      csv: join(projectRoot(), 'test/data/dummy_transactions.csv'),
      key: DEFAULT_DEMO_API_KEY,
      connections: o.concurrency,
      timeoutMs: 10_000,
      fund: true,
    };
    // CPU from the start of the measured load (after funding) to its end.
    let before: CpuSample | undefined;
    const measured = async (settings: LoadSettings) => {
      const result = await load({ ...settings, onMeasureStart: () => (before = cpuSample(servicePids)) });
      const cpu = before && cpuPerRequest(before, cpuSample(servicePids), result.completed);
      return { result, cpu };
    };
    const { result: closed, cpu } = await measured(base);
    rows.push({
      scenario: labels[scenario],
      setup,
      result: closed,
      ceiling: scenario === 'payments' || scenario === 'hot-wallet' ? 'pgbench' : 'http',
      cpu,
    });
    if (scenario === 'score') {
      // The risk issue's figure: /score latency at a steady 1,000 scores/s.
      const open = await measured({ ...base, concurrency: undefined, rate: 1000, connections: 256, warmupMs: openLoopWarmupMs(o) });
      rows.push({ scenario: `${labels[scenario]}, open loop at 1000/s`, setup, result: open.result, ceiling: 'http', cpu: open.cpu });
    }
    if (scenario === 'payments') {
      // Latency at a steady half of the closed-loop throughput: what a user sees below saturation.
      const rate = Math.max(10, Math.round(closed.achievedRate / 2));
      const open = await measured({ ...base, concurrency: undefined, rate, connections: 256, warmupMs: openLoopWarmupMs(o) });
      rows.push({ scenario: `${labels[scenario]}, open loop at ${rate}/s`, setup, result: open.result, ceiling: 'pgbench', cpu: open.cpu });
    }
  }
  return rows;
}

/**
 * Open-loop rows measure the steady state at their rate: they first send at that rate for a
 * fifth of the duration (2 s by default), not counted. Their first second otherwise carries the
 * switch from the closed loop before them (new connections, the open-loop code paths cold on
 * both sides), which alone made the row's p99.
 */
function openLoopWarmupMs(o: Options): number {
  return Math.round(o.durationMs / 5);
}

async function monolithScenarios(root: string, o: Options, say: (l: string) => void): Promise<Row[]> {
  const db = await createBenchDatabase();
  const ports = await portsEnv();
  const child = startNode('monolith', root, distEntry(root, 'monolith'), [], {
    ...ports,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'error',
    NODE_ENV: 'development',
    // The bench measures the services, not the demo key's rate limit.
    RATE_LIMIT_PER_SEC: '0',
  });
  try {
    await waitHealthy(`http://127.0.0.1:${ports.GATEWAY_PORT}/healthz`, 60_000, [child]);
    const setup = 'monolith, in-process, PostgreSQL';
    return await scenarios(
      new URL(`http://127.0.0.1:${ports.GATEWAY_PORT}`),
      setup,
      o,
      ['payments', 'hot-wallet', 'replay', 'balance', 'convert', 'score'],
      say,
      [child.proc.pid!],
    );
  } finally {
    await child.stop();
    await db.drop();
  }
}

async function microserviceScenarios(root: string, o: Options, say: (l: string) => void): Promise<Row[]> {
  const db = await createBenchDatabase();
  const nats = await startNatsServer();
  const ports = await portsEnv();
  const env = {
    ...ports,
    TRANSPORT: 'nats',
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'error',
    NODE_ENV: 'development',
    RATE_LIMIT_PER_SEC: '0',
  };
  const children: Child[] = [];
  try {
    // Wallet first: it creates the demo data; the others can start alongside.
    for (const app of ['wallet', 'fx', 'risk', 'payments', 'gateway']) children.push(startNode(app, root, distEntry(root, app), [], env));
    for (const name of PORT_NAMES) await waitHealthy(`http://127.0.0.1:${ports[name]}/healthz`, 60_000, children);
    const setup = 'five services, NATS, PostgreSQL';
    // The services' CPU includes NATS's (when the bench started its own).
    const pids = [...children.map((c) => c.proc.pid!), ...(nats.pid ? [nats.pid] : [])];
    return await scenarios(new URL(`http://127.0.0.1:${ports.GATEWAY_PORT}`), setup, o, ['payments', 'replay', 'balance'], say, pids);
  } finally {
    for (const c of children.reverse()) await c.stop();
    await nats.stop();
    await db.drop();
  }
}

async function createBenchDatabase() {
  const prev = process.env.TEST_DATABASE_ADMIN_URL;
  process.env.TEST_DATABASE_ADMIN_URL = ADMIN_URL();
  try {
    return await createTestDatabase();
  } finally {
    if (prev === undefined) delete process.env.TEST_DATABASE_ADMIN_URL;
    else process.env.TEST_DATABASE_ADMIN_URL = prev;
  }
}

async function postgresVersion(): Promise<string> {
  const c = new Client({ connectionString: ADMIN_URL() });
  await c.connect();
  try {
    const r = await c.query<{ v: string }>("select current_setting('server_version') as v");
    return r.rows[0].v;
  } finally {
    await c.end();
  }
}

function cpuText(c: CpuSample | undefined): string {
  return c ? `${num(c.services)} / ${num(c.postgres)} / ${num(c.loadGenerator)}` : '';
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : '–';
}

async function markdown(
  rows: Row[],
  ceilings: { pgbenchTps?: number; httpRps?: number },
  o: Options,
  steal: number | undefined,
): Promise<string> {
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${await postgresVersion()}`;
  const lines = [
    `### ${new Date().toISOString().slice(0, 10)}: ${machine}`,
    '',
    `Closed loop: ${o.concurrency} concurrent requests back to back for ${o.durationMs / 1000} s per row (open-loop rows: constant arrival rate, latency from the scheduled send, after a ${openLoopWarmupMs(o) / 1000} s warm-up at that rate that is not counted). Load generator on the same machine.${steal === undefined ? '' : ` CPU steal during the run: ${steal} % (time the hypervisor gave to other guests: the higher, the noisier every figure).`}`,
    '',
    '| scenario | setup | throughput (req/s) | p50 ms | p95 ms | p99 ms | max ms | outcomes | vs ceiling | CPU ms/req: services / PostgreSQL / load gen |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const r of rows) {
    const res = r.result;
    const outcomes =
      'outcomes' in res
        ? Object.entries(res.outcomes)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : '';
    const ceiling = r.ceiling === 'pgbench' ? ceilings.pgbenchTps : ceilings.httpRps;
    const ratio =
      r.scenario.startsWith('ceiling') || !ceiling ? '' : `${((100 * res.achievedRate) / ceiling).toFixed(1)} % of ${r.ceiling}`;
    const l = res.latencyMs;
    const p50 = Number.isFinite(l.p50) ? num(l.p50) : `avg ${l.mean}`;
    lines.push(
      `| ${r.scenario} | ${r.setup} | ${res.achievedRate} | ${p50} | ${num(l.p95)} | ${num(l.p99)} | ${num(l.max)} | ${outcomes} | ${ratio} | ${cpuText(r.cpu)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
