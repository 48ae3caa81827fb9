import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_API_KEY } from '@paygate/platform';
import { resolveEndpoints } from './api';
import { PaymentRow, readPaymentsCsv } from './csv';
import { fundSources } from './funding';
import { formatResult, parseDuration, progressLine } from './report';
import { LoadResult, assertLoopback, runLoad } from './runner';
import { SCENARIOS, ScenarioName, fundingRows, requestFactory } from './scenarios';

const MAX_DURATION_MS = 10 * 60_000;

const HELP = `usage: npm run load -- [options]

Open-loop load (constant arrival rate, latency from the scheduled send time) against a running
gateway (with a key) or service port. Loopback targets only.

  --target URL        default http://127.0.0.1:8080 (the gateway); e.g. http://127.0.0.1:8081
  --scenario NAME     ${SCENARIOS.join(' | ')} (default payments)
  --rate N            requests per second, open loop (default 100)
  --concurrency N     closed loop instead: N workers back to back (a ceiling)
  --duration D        e.g. 500ms, 30s, 2m (default 10s, at most 10m)
  --warmup D          first send at the same rate for D, not counted (default 0, at most 1m)
  --csv PATH          payments to replay (default test/data/dummy_transactions.csv)
  --key KEY           API key for the gateway (default $API_KEY, else the demo key)
  --connections N     sockets to the target, open loop (default 64)
  --timeout D         per request (default 10s)
  --no-fund           do not fund the source accounts first
  --wallet URL        where to fund when the target is a service port (default: port 8083 of its host)
  --fx URL            where rates are read for funding (default: port 8082 of its host)
  --json PATH         also write the result as JSON (- for stdout)
`;

export interface LoadSettings {
  target: URL;
  scenario: ScenarioName;
  rate?: number;
  concurrency?: number;
  durationMs: number;
  /** Sent first at the same rate, not counted (see `runLoad`). */
  warmupMs?: number;
  csv: string;
  key?: string;
  connections: number;
  timeoutMs: number;
  fund: boolean;
  walletUrl?: URL;
  fxUrl?: URL;
  json?: string;
  /** Called once preparation (funding) and the warm-up are done, right as the measured load starts. */
  onMeasureStart?: () => void;
}

function loopbackUrl(text: string): URL {
  const u = new URL(text);
  assertLoopback(u);
  return u;
}

export function parseLoadArgs(argv: string[]): LoadSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      scenario: { type: 'string', default: 'payments' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '0ms' },
      csv: { type: 'string', default: 'test/data/dummy_transactions.csv' },
      key: { type: 'string' },
      connections: { type: 'string', default: '64' },
      timeout: { type: 'string', default: '10s' },
      'no-fund': { type: 'boolean', default: false },
      wallet: { type: 'string' },
      fx: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const positive = (name: string, text: string | undefined, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer from 1 to ${max}`);
    return n;
  };
  const target = new URL(values.target!);
  assertLoopback(target);
  if (!SCENARIOS.includes(values.scenario as ScenarioName)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  const durationMs = parseDuration(values.duration!);
  if (durationMs < 100 || durationMs > MAX_DURATION_MS) throw new Error('--duration must be between 100ms and 10m');
  const warmupMs = parseDuration(values.warmup!);
  if (warmupMs > 60_000) throw new Error('--warmup must be at most 1m');
  const concurrency = positive('concurrency', values.concurrency, 1024);
  const rate = positive('rate', values.rate, 100_000) ?? (concurrency ? undefined : 100);
  if (rate && concurrency) throw new Error('give --rate (open loop) or --concurrency (closed loop), not both');
  return {
    target,
    scenario: values.scenario as ScenarioName,
    rate,
    concurrency,
    durationMs,
    warmupMs,
    csv: values.csv!,
    key: values.key ?? process.env.API_KEY ?? DEFAULT_DEMO_API_KEY,
    connections: positive('connections', values.connections, 4096)!,
    timeoutMs: parseDuration(values.timeout!),
    fund: !values['no-fund'],
    walletUrl: values.wallet ? loopbackUrl(values.wallet) : undefined,
    fxUrl: values.fx ? loopbackUrl(values.fx) : undefined,
    json: values.json,
  };
}

/** Prepares (reads the CSV, funds the sources) and runs one load; the building block of `bench` too. */
export async function load(
  s: LoadSettings,
  log: (line: string) => void = () => undefined,
): Promise<LoadResult & { scenario: string; runId: string; funding?: object }> {
  const runId = randomBytes(4).toString('hex');
  const endpoints = await resolveEndpoints(s.target, s.key, { wallet: s.walletUrl, fx: s.fxUrl });
  const rows: readonly PaymentRow[] = s.scenario === 'payments' ? await readPaymentsCsv(s.csv) : [];
  let funding: object | undefined;
  const toFund = fundingRows(s.scenario, rows);
  if (s.fund && toFund.length > 0) {
    // Enough for every request of the run, at the offered rate (or a generous closed-loop guess).
    const expected = Math.ceil(((s.rate ?? 5_000) * (s.durationMs + (s.warmupMs ?? 0))) / 1000);
    const cycles = Math.max(1, Math.ceil(expected / toFund.length));
    funding = await fundSources(endpoints.wallet, endpoints.fx, toFund, cycles, runId);
    log(`funded ${JSON.stringify(funding)}`);
  }
  const tty = process.stderr.isTTY;
  const result = await runLoad({
    target: s.target,
    durationMs: s.durationMs,
    warmupMs: s.warmupMs,
    onMeasureStart: s.onMeasureStart,
    rate: s.rate,
    concurrency: s.concurrency,
    connections: s.connections,
    timeoutMs: s.timeoutMs,
    maxInFlight: 20_000,
    next: requestFactory(s.scenario, { endpoints, key: s.key, rows, runId }),
    onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}`) : undefined,
  });
  if (tty) process.stderr.write('\n');
  return { scenario: s.scenario, runId, ...result, funding };
}

export async function run(argv: string[]): Promise<number> {
  let settings: LoadSettings | 'help';
  try {
    settings = parseLoadArgs(argv);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    return 2;
  }
  if (settings === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const result = await load(settings, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${formatResult(result.scenario, result)}\n`);
  if (settings.json === '-') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (settings.json) writeFileSync(settings.json, `${JSON.stringify(result, null, 2)}\n`);
  return result.errors > 0 ? 1 : 0;
}
