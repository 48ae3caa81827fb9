import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { readLabels, run } from './command';

function io(cwd: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (c: Buffer) => (text.out += c.toString()));
  err.on('data', (c: Buffer) => (text.err += c.toString()));
  return { io: { stdout: out, stderr: err, cwd }, text };
}

describe('paygate risk:backtest', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'risk-backtest-'));
    writeFileSync(
      join(dir, 'p.csv'),
      [
        'id,currency,amount,source_account,destination_account',
        'PAY-1,USD,10.00,ACC_SRC_1,ACC_DST_1',
        'PAY-2,USD,6000.00,ACC_SRC_2,ACC_DST_2',
        'PAY-3,IDR,188.52,ACC_SRC_3,ACC_DST_3',
        'PAY-4,JPY,300000,ACC_SRC_4,ACC_DST_4',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'p.labels.csv'), 'id,label,pattern_id\nPAY-2,account_takeover,ATO-000001\n');
    writeFileSync(join(dir, 'bad.labels.csv'), 'payment,kind\nPAY-2,x\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores the CSV with the shipped rules and prints the report', async () => {
    const { io: s, text } = io(dir);
    expect(await run(['--csv', 'p.csv', '--labels', 'p.labels.csv'], s)).toBe(0);
    expect(text.out).toContain('risk backtest: rules 2026-11-26.1 (reference USD)');
    expect(text.out).toContain('4 rows at 1/s');
    expect(text.out).toContain('FX: ecb-reference 2024-12-31');
    expect(text.out).toMatch(/ {2}fraud {11}0 {8}1 {8}0 {8}1\n/);
  });

  it('--json gives the whole report', async () => {
    const { io: s, text } = io(dir);
    expect(await run(['--csv', 'p.csv', '--labels', 'p.labels.csv', '--json', '--rate', '10'], s)).toBe(0);
    const report = JSON.parse(text.out);
    expect(report).toMatchObject({
      rules_version: '2026-11-26.1',
      rate_per_second: 10,
      rows: 4,
      matrix: { fraud: { DECLINE: 0, REVIEW: 1, APPROVE: 0 }, legit: { DECLINE: 0, REVIEW: 0, APPROVE: 3 } },
      precision: 1,
      recall: 1,
      fx: 'ecb-reference 2024-12-31T15:00:00.000Z',
    });
    // PAY-4 (300,000 JPY) was normalised with the ECB rates: a round amount worth about 1,911 USD.
    expect(report.top_rules.map((t: { code: string }) => t.code)).toEqual(
      expect.arrayContaining(['HIGH_AMOUNT', 'ROUND_AMOUNT', 'NEW_DESTINATION']),
    );
  });

  it('exit 2 with the usage on bad options; 0 for --help', async () => {
    for (const argv of [
      [],
      ['--csv'],
      ['--csv', 'p.csv', '--rate', '0'],
      ['--csv', 'p.csv', '--rate', 'fast'],
      ['--csv', 'p.csv', '--top', '0'],
      ['--nope'],
    ]) {
      const { io: s, text } = io(dir);
      expect(await run(argv, s)).toBe(2);
      expect(text.err).toMatch(/^risk:backtest: .+\n\nusage: paygate risk:backtest/);
    }
    const { io: s, text } = io(dir);
    expect(await run(['--help'], s)).toBe(0);
    expect(text.out).toContain('--rate <n>');
  });

  it('exit 1 with the reason on unreadable input or rules', async () => {
    for (const [argv, message] of [
      [['--csv', 'missing.csv'], 'ENOENT'],
      [['--csv', 'p.csv', '--labels', 'bad.labels.csv'], 'missing column(s) id, label; expected the columns id,label'],
      [['--csv', 'p.labels.csv'], 'missing column(s) currency, amount'],
      [['--csv', 'p.csv', '--rules', 'p.csv'], 'rules file is not valid JSON'],
    ] as const) {
      const { io: s, text } = io(dir);
      expect(await run([...argv], s)).toBe(1);
      expect(text.err).toContain(message);
    }
  });

  it('reads a labels file into id → label', async () => {
    expect(await readLabels(join(dir, 'p.labels.csv'))).toEqual(new Map([['PAY-2', 'account_takeover']]));
  });
});
