/**
 * `paygate risk:backtest`: scores a labelled CSV offline with a rules file and prints the
 * confusion matrix (fraud vs legit × DECLINE/REVIEW/APPROVE), precision, recall, review rate
 * and the rules by hits. Exit codes: 0 done, 2 bad options, 1 unreadable input or rules.
 */
import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ECB_REFERENCE_SNAPSHOT } from '../../../fx/src/domain/ecb-snapshot.data';
import { loadRulesFile } from '../../../risk/src/rules.provider';
import { defaultRulesPath } from '../../../risk/src/risk.settings';
import { backtest, formatReport, type BacktestReport, type BacktestRow } from './backtest';

export const DEFAULT_RATE = 1;

export const USAGE = `usage: paygate risk:backtest --csv <file> [--labels <file>] [options]

Scores the seed's payments CSV (id,currency,amount,source_account,destination_account) in file
order with the risk rules, offline: the pure engine, the account history kept in memory with the
service's semantics, amounts normalised with the bundled ECB reference rates (2024-12-31).

options:
      --csv <file>      payments CSV (e.g. from dummygen)
      --labels <file>   labels CSV id,label[,pattern_id] (dummygen --fraud-rate writes one);
                        labelled rows are fraud, the others legitimate
      --rules <file>    rules file (default: the shipped apps/risk/rules/default.rules.json)
      --rate <n>        simulated arrivals per second, so velocity windows mean something
                        (default ${DEFAULT_RATE}: row i arrives at i/rate seconds)
      --top <n>         rules listed by hits (default 10)
      --json            print the report as JSON
  -h, --help            show this help
`;

class UsageError extends Error {}

interface Options {
  csv: string;
  labels?: string;
  rules: string;
  rate: number;
  top: number;
  json: boolean;
}

function parseOptions(argv: string[], cwd: string): Options | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        csv: { type: 'string' },
        labels: { type: 'string' },
        rules: { type: 'string' },
        rate: { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;
  if (!values.csv) throw new UsageError('--csv is required');
  let rate = DEFAULT_RATE;
  if (values.rate !== undefined) {
    rate = /^(?:[0-9]+(?:\.[0-9]+)?)$/.test(values.rate) ? Number(values.rate) : NaN;
    if (!(rate > 0 && rate <= 1_000_000))
      throw new UsageError(`--rate must be a positive number of payments per second, got "${values.rate}"`);
  }
  let top = 10;
  if (values.top !== undefined) {
    top = /^[0-9]{1,4}$/.test(values.top) ? Number(values.top) : NaN;
    if (!(top >= 1)) throw new UsageError(`--top must be a whole number >= 1, got "${values.top}"`);
  }
  return {
    csv: resolve(cwd, values.csv),
    labels: values.labels === undefined ? undefined : resolve(cwd, values.labels),
    rules: values.rules === undefined ? defaultRulesPath() : resolve(cwd, values.rules),
    rate,
    top,
    json: values.json === true,
  };
}

/** The records of a CSV with a header; a read error (e.g. a missing file) rejects instead of hanging the parse. */
async function* records(path: string, columns: readonly string[]): AsyncGenerator<Record<string, string>> {
  const file = createReadStream(path);
  const parser = parse({ columns: true, skip_empty_lines: true, trim: true });
  file.on('error', (e) => parser.destroy(e));
  file.pipe(parser);
  let first = true;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    if (first) {
      const missing = columns.filter((c) => !(c in record));
      if (missing.length > 0)
        throw new Error(`${path}: missing column(s) ${missing.join(', ')}; expected the columns ${columns.join(',')}`);
      first = false;
    }
    yield record;
  }
}

const PAYMENT_COLUMNS = ['id', 'currency', 'amount', 'source_account', 'destination_account'] as const;

/** Reads the seed's payments CSV (amounts kept as their exact text). */
export async function readPayments(path: string): Promise<BacktestRow[]> {
  const rows: BacktestRow[] = [];
  for await (const r of records(path, PAYMENT_COLUMNS)) {
    rows.push({
      id: r.id,
      currency: r.currency,
      amount: r.amount,
      source_account: r.source_account,
      destination_account: r.destination_account,
    });
  }
  return rows;
}

/** Reads a labels CSV `id,label[,pattern_id]` into id → label. */
export async function readLabels(path: string): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for await (const record of records(path, ['id', 'label'])) {
    if (!record.id || !record.label) throw new Error(`${path}: a row without id or label`);
    labels.set(record.id, record.label);
  }
  return labels;
}

export interface BacktestIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/** Runs the command; resolves to the exit code. */
export async function run(
  argv: string[],
  io: BacktestIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() },
): Promise<number> {
  let opts: Options | undefined;
  try {
    opts = parseOptions(argv, io.cwd);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`risk:backtest: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    io.stdout.write(USAGE);
    return 0;
  }
  let report: BacktestReport;
  try {
    const rules = loadRulesFile(opts.rules);
    const [rows, labels] = await Promise.all([readPayments(opts.csv), opts.labels ? readLabels(opts.labels) : new Map<string, string>()]);
    report = backtest(rows, labels, rules, { ratePerSecond: opts.rate, rates: ECB_REFERENCE_SNAPSHOT, top: opts.top });
  } catch (e) {
    io.stderr.write(`risk:backtest: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  io.stdout.write(
    opts.json
      ? `${JSON.stringify({ csv: opts.csv, labels: opts.labels ?? null, rules_file: opts.rules, fx: `${ECB_REFERENCE_SNAPSHOT.source} ${ECB_REFERENCE_SNAPSHOT.asOf}`, ...report }, null, 2)}\n`
      : formatReport(report, {
          csv: opts.csv,
          labels: opts.labels,
          rates: `${ECB_REFERENCE_SNAPSHOT.source} ${ECB_REFERENCE_SNAPSHOT.asOf.slice(0, 10)}`,
        }),
  );
  return 0;
}
