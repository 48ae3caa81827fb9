import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseAmount } from '@paygate/money';
import { DEFAULT_OUT, labelsPathFor, run, type DummygenIo } from './command';
import { FRAUD_PATTERNS, type DemoCurrency } from './generator';

const ROW = /^PAY-[0-9]{6,},(USD|EUR|IDR|SGD|JPY|GBP),[0-9]+(\.[0-9]+)?,ACC_SRC_[0-9]{4},ACC_DST_[0-9]{4}$/;

/** A stderr that records what the command writes. */
function fakeStderr(isTTY = false): DummygenIo['stderr'] & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; text: () => string };
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.text = () => chunks.join('');
  return stream;
}

async function runIn(cwd: string, argv: string[], isTTY = false): Promise<{ code: number; stderr: string }> {
  const stderr = fakeStderr(isTTY);
  const code = await run(argv, { stderr, cwd });
  return { code, stderr: stderr.text() };
}

/** Newlines in a file, counted while streaming (no whole-file string). */
async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 10) n++;
  }
  return n;
}

describe('dummygen command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dummygen-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the seed's default file relative to the cwd: header + n rows", async () => {
    const { code, stderr } = await runIn(dir, ['-n', '1000', '--seed', '42']);
    expect(code).toBe(0);
    const text = readFileSync(join(dir, DEFAULT_OUT), 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe(''); // ends with a newline
    expect(lines).toHaveLength(1001);
    expect(lines[0]).toBe('id,currency,amount,source_account,destination_account');
    expect(lines.slice(1).filter((l) => !ROW.test(l))).toEqual([]);
    expect(lines[1]).toBe('PAY-000001,USD,35.78,ACC_SRC_4200,ACC_DST_2539');
    expect(lines[1000]).toMatch(/^PAY-001000,/);
    for (const l of lines.slice(1)) {
      const [, currency, amount] = l.split(',');
      expect(parseAmount(amount, currency as DemoCurrency)).toBeGreaterThan(0n);
    }
    // Not a TTY: no bar, one summary line.
    expect(stderr).toMatch(
      /^dummygen: wrote 1000 rows to test\/data\/dummy_transactions\.csv in [0-9.]+ s \([0-9,∞]+ rows\/s\), seed 42\n$/,
    );
    expect(existsSync(join(dir, labelsPathFor(DEFAULT_OUT)))).toBe(false);
  });

  it('reproduces the committed test/data/dummy_transactions.csv (-n 1000 --seed 42)', async () => {
    const committed = join(__dirname, '../../../..', DEFAULT_OUT);
    expect((await runIn(dir, ['-n', '1000', '--seed', '42'])).code).toBe(0);
    expect(readFileSync(join(dir, DEFAULT_OUT)).equals(readFileSync(committed))).toBe(true);
  });

  it('defaults to 100 rows', async () => {
    expect((await runIn(dir, ['-o', 'x.csv', '--seed', '1'])).code).toBe(0);
    expect(await countLines(join(dir, 'x.csv'))).toBe(101);
  });

  it('is byte-identical for the same seed, different for another, and reproducible from a printed random seed', async () => {
    await runIn(dir, ['-n', '3000', '--seed', 'demo', '--fraud-rate', '0.1', '-o', 'a.csv']);
    await runIn(dir, ['--count', '3000', '--seed=demo', '--fraud-rate=0.1', '--out', 'b.csv']);
    await runIn(dir, ['-n', '3000', '--seed', 'other', '--fraud-rate', '0.1', '-o', 'c.csv']);
    const read = (f: string) => readFileSync(join(dir, f));
    expect(read('a.csv').equals(read('b.csv'))).toBe(true);
    expect(read('a.labels.csv').equals(read('b.labels.csv'))).toBe(true);
    expect(read('a.csv').equals(read('c.csv'))).toBe(false);

    const first = await runIn(dir, ['-n', '500', '-o', 'r1.csv']);
    const seed = /seed (\S+) \(pass --seed/.exec(first.stderr)?.[1];
    expect(seed).toMatch(/^[0-9]+$/);
    await runIn(dir, ['-n', '500', '-o', 'r2.csv', '--seed', seed!]);
    expect(read('r1.csv').equals(read('r2.csv'))).toBe(true);
  });

  it('writes labels for every injected pattern row, each naming a row of the CSV', async () => {
    const { code, stderr } = await runIn(dir, ['-n', '20000', '--seed', '7', '--fraud-rate', '0.05', '-o', 'out/tx.csv']);
    expect(code).toBe(0);
    const csvIds = new Set(
      readFileSync(join(dir, 'out/tx.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    );
    const labels = readFileSync(join(dir, 'out/tx.labels.csv'), 'utf8').trim().split('\n');
    expect(labels[0]).toBe('id,label,pattern_id');
    const rows = labels.slice(1).map((l) => l.split(','));
    expect(rows.filter(([id]) => !csvIds.has(id))).toEqual([]);
    expect(new Set(rows.map(([, label]) => label))).toEqual(new Set(FRAUD_PATTERNS));
    expect(new Set(rows.map(([id]) => id)).size).toBe(rows.length);
    expect(Math.abs(rows.length / 20_000 - 0.05)).toBeLessThan(0.003);
    expect(stderr).toMatch(/, [0-9]+ labelled \([0-9.]+%\) in out\/tx\.labels\.csv\n$/);
  });

  it('honours --labels and --start-id', async () => {
    expect(
      (await runIn(dir, ['-n', '50', '--seed', '3', '--fraud-rate', '0.5', '--labels', 'l/fraud.csv', '--start-id', '500'])).code,
    ).toBe(0);
    const lines = readFileSync(join(dir, DEFAULT_OUT), 'utf8').trim().split('\n');
    expect(lines[1]).toMatch(/^PAY-000500,/);
    expect(lines[50]).toMatch(/^PAY-000549,/);
    expect(readFileSync(join(dir, 'l/fraud.csv'), 'utf8')).toMatch(/^id,label,pattern_id\nPAY-000[0-9]{3},/);
  });

  it.each([
    [['-n', 'abc'], /--count must be a whole number, got "abc"/],
    [['-n', '1.5'], /--count must be a whole number/],
    [['--count=-3'], /--count must be a whole number/],
    [['--start-id', '0'], /--start-id must be at least 1/],
    [['--fraud-rate', '0.7'], /--fraud-rate must be a number from 0 to 0.5, got "0.7"/],
    [['--fraud-rate', 'lots'], /--fraud-rate must be a number/],
    [['--fraud-rate', '1e-1'], /--fraud-rate must be a number/],
    [['--labels', 'x.csv'], /--labels needs --fraud-rate > 0/],
    [['--fraud-rate', '0.1', '-o', 'same.csv', '--labels', 'same.csv'], /--labels must be a file other than --out/],
    [['--seed', ''], /--seed must be a non-empty/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['1000'], /Unexpected argument '1000'/],
    [['-n'], /argument missing/],
  ])('rejects %j with exit code 2 and a clear message', async (argv, message) => {
    const { code, stderr } = await runIn(dir, argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^dummygen: /);
    expect(readdirSync(dir)).toEqual([]); // nothing written
  });

  it('--help prints the options and exits 0', async () => {
    for (const flag of ['-h', '--help']) {
      const { code, stderr } = await runIn(dir, [flag]);
      expect(code).toBe(0);
      expect(stderr).toContain('usage: paygate dummygen');
      for (const opt of ['--count', '--out', '--seed', '--fraud-rate', '--labels', '--start-id']) expect(stderr).toContain(opt);
    }
  });

  it('exits 1 without leaving a partial file when the output cannot be written', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where a directory should be');
    const { code, stderr } = await runIn(dir, ['-n', '10', '--seed', '1', '-o', 'blocker/tx.csv']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^dummygen: failed writing blocker\/tx\.csv: /);
    expect(readdirSync(dir)).toEqual(['blocker']);
  });

  it('draws a progress bar on a TTY', async () => {
    const { code, stderr } = await runIn(dir, ['-n', '20000', '--seed', '1', '-o', 'tty.csv'], true);
    expect(code).toBe(0);
    expect(stderr).toContain('dummygen |');
    expect(stderr).toContain('20000/20000 rows');
    expect(stderr).toMatch(/wrote 20000 rows to tty\.csv/);
  });

  it('streams in bounded memory: 300,000 rows without the heap growing by the file', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    let code: number;
    try {
      ({ code } = await runIn(dir, ['-n', '300000', '--seed', 'big', '--fraud-rate', '0.02', '-o', 'big.csv']));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    expect(code).toBe(0);
    expect(await countLines(join(dir, 'big.csv'))).toBe(300_001);
    // The file is ~15 MB of text (~30 MB as JS strings); holding it would show here.
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
  }, 20_000);
});
