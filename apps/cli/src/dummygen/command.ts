/**
 * `paygate dummygen`: writes the seed's dummy-transaction CSV (`tools/cmd/dummygen -n 1000`),
 * streaming with backpressure so any row count runs in bounded memory, plus an optional labels
 * file for injected fraud patterns. Exit codes: 0 done, 2 bad options, 1 I/O failure.
 */
import { randomInt } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { CSV_HEADER, LABEL_HEADER, MAX_FRAUD_RATE, generateRows, toCsvLine, toLabelLine, type GeneratorOptions } from './generator';

export const DEFAULT_OUT = 'test/data/dummy_transactions.csv';
export const DEFAULT_COUNT = 100;

export const USAGE = `usage: paygate dummygen [options]

Writes the seed's CSV of dummy payments: id,currency,amount,source_account,destination_account

options:
  -n, --count <n>         rows to write (default ${DEFAULT_COUNT})
  -o, --out <file>        output CSV, relative to the current directory (default ${DEFAULT_OUT})
      --seed <seed>       integer or text; the same seed and options give byte-identical output
                          (default: a random seed, printed so the run can be reproduced)
      --fraud-rate <r>    fraction of rows in labelled fraud patterns, 0..${MAX_FRAUD_RATE} (default 0):
                          card_testing, account_takeover, structuring
      --labels <file>     labels CSV id,label,pattern_id (default <out without .csv>.labels.csv;
                          written only when --fraud-rate > 0)
      --start-id <n>      number of the first id, PAY-000001 for 1 (default 1)
  -h, --help              show this help
`;

export interface DummygenIo {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

class UsageError extends Error {}

interface Parsed extends Required<GeneratorOptions> {
  out: string;
  labels: string | undefined;
  seedGiven: boolean;
}

function parseWhole(name: string, text: string, min: number): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${name} is too large: ${text}`);
  if (value < min) throw new UsageError(`--${name} must be at least ${min}, got ${text}`);
  return value;
}

export function labelsPathFor(out: string): string {
  return out.toLowerCase().endsWith('.csv') ? `${out.slice(0, -4)}.labels.csv` : `${out}.labels.csv`;
}

/** Parses and validates the options; `undefined` means --help. Throws UsageError. */
function parse(argv: string[], cwd: string): Parsed | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        count: { type: 'string', short: 'n' },
        out: { type: 'string', short: 'o' },
        seed: { type: 'string' },
        'fraud-rate': { type: 'string' },
        labels: { type: 'string' },
        'start-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;

  const count = values.count === undefined ? DEFAULT_COUNT : parseWhole('count', values.count, 0);
  const startId = values['start-id'] === undefined ? 1 : parseWhole('start-id', values['start-id'], 1);
  if (!Number.isSafeInteger(startId + count)) throw new UsageError('--start-id + --count is too large');

  let fraudRate = 0;
  if (values['fraud-rate'] !== undefined) {
    const text = values['fraud-rate'];
    fraudRate = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(text) ? Number(text) : NaN;
    if (!(fraudRate >= 0 && fraudRate <= MAX_FRAUD_RATE)) {
      throw new UsageError(`--fraud-rate must be a number from 0 to ${MAX_FRAUD_RATE}, got "${text}"`);
    }
  }

  const seedGiven = values.seed !== undefined;
  const seed = values.seed ?? String(randomInt(1, 2 ** 31));
  if (seed.trim() === '' || seed.length > 256) throw new UsageError('--seed must be a non-empty integer or text (at most 256 characters)');

  const out = values.out ?? DEFAULT_OUT;
  if (out === '') throw new UsageError('--out must not be empty');
  if (values.labels !== undefined && fraudRate === 0) {
    throw new UsageError('--labels needs --fraud-rate > 0 (without fraud patterns there is nothing to label)');
  }
  const labels = fraudRate > 0 ? (values.labels ?? labelsPathFor(out)) : undefined;
  if (labels !== undefined && (labels === '' || resolve(cwd, labels) === resolve(cwd, out))) {
    throw new UsageError('--labels must be a file other than --out');
  }
  return { count, startId, fraudRate, seed, seedGiven, out, labels };
}

/**
 * Buffered line writer over a file stream: joins lines into ~64 KiB chunks and waits for
 * 'drain' whenever the stream's buffer is full, so memory stays bounded however many lines.
 * Writes to `<file>.tmp-<pid>` and renames on success, so a failed run leaves no half file.
 */
class LineSink {
  private readonly stream: WriteStream;
  private readonly tmp: string;
  private chunk: string[] = [];
  private size = 0;
  private error: Error | undefined;

  constructor(private readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.stream = createWriteStream(this.tmp, { highWaterMark: 256 * 1024 });
    this.stream.on('error', (err) => (this.error ??= err));
  }

  /** Resolves at once unless the chunk was flushed into a full stream. */
  write(line: string): Promise<void> | undefined {
    this.chunk.push(line);
    this.size += line.length + 1;
    return this.size >= 64 * 1024 ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (this.size === 0) return;
    const text = this.chunk.join('\n') + '\n';
    this.chunk = [];
    this.size = 0;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
    if (this.error) throw this.error;
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmp, { force: true });
  }
}

function formatRate(rows: number, seconds: number): string {
  return seconds > 0 ? Math.round(rows / seconds).toLocaleString('en-US') : '∞';
}

export async function run(argv: string[], io: DummygenIo = { stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  let opts: Parsed | undefined;
  try {
    opts = parse(argv, io.cwd);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`dummygen: ${err.message}\n(paygate dummygen --help lists the options)\n`);
    return 2;
  }
  if (!opts) {
    io.stderr.write(USAGE);
    return 0;
  }

  const outPath = resolve(io.cwd, opts.out);
  const labelsPath = opts.labels === undefined ? undefined : resolve(io.cwd, opts.labels);
  if (!opts.seedGiven) io.stderr.write(`dummygen: seed ${opts.seed} (pass --seed ${opts.seed} to reproduce this file)\n`);

  const started = process.hrtime.bigint();
  const sinks: LineSink[] = [];
  const bar = io.stderr.isTTY
    ? new SingleBar({
        stream: io.stderr,
        format: 'dummygen |{bar}| {percentage}% | {value}/{total} rows | ETA {eta_formatted}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        etaBuffer: 50,
      })
    : undefined;
  let labelled = 0;
  try {
    await mkdir(dirname(outPath), { recursive: true });
    if (labelsPath) await mkdir(dirname(labelsPath), { recursive: true });
    const main = new LineSink(outPath);
    sinks.push(main);
    const labels = labelsPath ? new LineSink(labelsPath) : undefined;
    if (labels) sinks.push(labels);

    await main.write(CSV_HEADER);
    await labels?.write(LABEL_HEADER);
    bar?.start(opts.count, 0);
    const step = Math.max(1, Math.min(10_000, Math.ceil(opts.count / 200)));
    let written = 0;
    for (const row of generateRows(opts)) {
      const pending = main.write(toCsvLine(row));
      if (pending) await pending;
      const label = toLabelLine(row);
      if (label !== undefined) {
        labelled++;
        const pendingLabel = labels?.write(label);
        if (pendingLabel) await pendingLabel;
      }
      if (++written % step === 0) bar?.update(written);
    }
    await main.close();
    await labels?.close();
    bar?.update(written);
  } catch (err) {
    bar?.stop();
    await Promise.all(sinks.map((s) => s.abort()));
    io.stderr.write(`dummygen: failed writing ${opts.out}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  bar?.stop();

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const labelNote =
    opts.labels !== undefined
      ? `, ${labelled} labelled (${((100 * labelled) / Math.max(1, opts.count)).toFixed(1)}%) in ${opts.labels}`
      : '';
  io.stderr.write(
    `dummygen: wrote ${opts.count} rows to ${opts.out} in ${seconds.toFixed(2)} s ` +
      `(${formatRate(opts.count, seconds)} rows/s), seed ${opts.seed}${labelNote}\n`,
  );
  return 0;
}
