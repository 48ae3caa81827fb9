import { parseRulesFile } from '../../../risk/src/domain';
import { backtest, formatReport, type BacktestRow } from './backtest';

/** A tiny rules file whose every decision below can be worked out by hand. */
const RULES = parseRulesFile({
  version: 'tiny-1',
  reference_currency: 'USD',
  thresholds: { review: 50, decline: 80 },
  features: { amount_bands: { micro: { lt: '5.00', window: '1h' } } },
  rules: [
    { code: 'BIG', weight: 60, reason: 'Big', when: { feature: 'amount_ref', gte: '100.00' } },
    { code: 'HUGE', weight: 30, reason: 'Huge', when: { feature: 'amount_ref', gte: '1000.00' } },
    { code: 'FAST', weight: 50, reason: 'Fast', when: { feature: 'count_1m', gte: 2 } },
    {
      code: 'MICRO2',
      weight: 50,
      reason: 'Micro again',
      when: {
        all: [
          { feature: 'in_band', band: 'micro' },
          { feature: 'band_count', band: 'micro', gte: 1 },
        ],
      },
    },
  ],
});
const RATES = { pivot: 'EUR', rates: { USD: '1.0389' } };

const row = (id: string, currency: string, amount: string, source: string, destination: string): BacktestRow => ({
  id,
  currency,
  amount,
  source_account: source,
  destination_account: destination,
});

// At 1 row per second, row i arrives at i seconds.
const ROWS: BacktestRow[] = [
  row('P1', 'USD', '50.00', 'A', 'X'), //   0 s  legit  nothing                       APPROVE
  row('P2', 'USD', '150.00', 'B', 'X'), //  1 s  legit  BIG 60                        REVIEW  (false positive)
  row('P3', 'USD', '2000.00', 'C', 'Y'), // 2 s  fraud  BIG + HUGE 90                 DECLINE
  row('P4', 'USD', '1.00', 'D', 'Y'), //    3 s  fraud  first micro: nothing          APPROVE (missed)
  row('P5', 'USD', '2.00', 'D', 'Z'), //    4 s  fraud  MICRO2 50 (1 earlier micro)   REVIEW
  row('P6', 'USD', '3.00', 'D', 'W'), //    5 s  fraud  MICRO2 + FAST (2 in the minute) 100 DECLINE
  row('P7', 'EUR', '100.00', 'E', 'X'), //  6 s  legit  103.89 USD: BIG 60            REVIEW  (false positive)
  row('P8', 'ARS', '10.00', 'F', 'X'), //   7 s  legit  no rate: unpriced, nothing    APPROVE
  row('P2', 'USD', '150.00', 'B', 'X'), //  8 s  a retry of P2: counted once
  row('P9', 'USD', '12.345', 'G', 'X'), //  9 s  invalid amount: skipped
  row('P10', 'USD', '10.00', 'A', 'X'), // 10 s  legit  1 earlier in the minute      APPROVE
];
const LABELS = new Map([
  ['P3', 'account_takeover'],
  ['P4', 'card_testing'],
  ['P5', 'card_testing'],
  ['P6', 'card_testing'],
]);

describe('backtest maths on a hand-computed CSV', () => {
  const r = backtest(ROWS, LABELS, RULES, { ratePerSecond: 1, rates: RATES });

  it('the confusion matrix: fraud vs legit × DECLINE / REVIEW / APPROVE', () => {
    expect(r.matrix).toEqual({
      fraud: { DECLINE: 2, REVIEW: 1, APPROVE: 1 },
      legit: { DECLINE: 0, REVIEW: 2, APPROVE: 3 },
    });
    expect(r.flagged).toEqual({ fraud: 3, legit: 2 });
    expect(r).toMatchObject({
      rows: 11,
      duplicates: 1,
      unpriced: 1,
      simulated_seconds: 10,
      rules_version: 'tiny-1',
      reference_currency: 'USD',
    });
    expect(r.invalid).toEqual([{ id: 'P9', problem: expect.stringContaining('has 3 decimals but USD allows at most 2') }]);
  });

  it('precision, recall, F1, review / decline / flagged rates and false positives', () => {
    expect(r.precision).toBeCloseTo(3 / 5, 12);
    expect(r.recall).toBeCloseTo(3 / 4, 12);
    expect(r.f1).toBeCloseTo((2 * 0.6 * 0.75) / 1.35, 12);
    expect(r.review_rate).toBeCloseTo(3 / 9, 12);
    expect(r.decline_rate).toBeCloseTo(2 / 9, 12);
    expect(r.flagged_rate).toBeCloseTo(5 / 9, 12);
    expect(r.false_positive_rate).toBeCloseTo(2 / 5, 12);
    expect(r.by_label).toEqual({
      account_takeover: { rows: 1, flagged: 1, recall: 1 },
      card_testing: { rows: 3, flagged: 2, recall: 2 / 3 },
    });
  });

  it('the rules by hits, with their precision', () => {
    expect(r.top_rules).toEqual([
      { code: 'BIG', weight: 60, hits: 3, fraud: 1, legit: 2, precision: 1 / 3 },
      { code: 'MICRO2', weight: 50, hits: 2, fraud: 2, legit: 0, precision: 1 },
      { code: 'FAST', weight: 50, hits: 1, fraud: 1, legit: 0, precision: 1 },
      { code: 'HUGE', weight: 30, hits: 1, fraud: 1, legit: 0, precision: 1 },
    ]);
    expect(backtest(ROWS, LABELS, RULES, { ratePerSecond: 1, rates: RATES, top: 1 }).top_rules.map((t) => t.code)).toEqual(['BIG']);
  });

  it('the arrival rate gives velocity its meaning: a row every 100 s, FAST never fires', () => {
    const slow = backtest(ROWS, LABELS, RULES, { ratePerSecond: 0.01, rates: RATES });
    expect(slow.matrix.fraud).toEqual({ DECLINE: 1, REVIEW: 2, APPROVE: 1 }); // P6: MICRO2 only (the band's window is 1 h)
    expect(slow.top_rules.map((t) => t.code)).not.toContain('FAST');
    expect(slow.simulated_seconds).toBe(1000);
  });

  it('without labels every row is legitimate; nothing flagged gives no precision', () => {
    const quiet = backtest([row('Q1', 'USD', '1.00', 'A', 'X')], new Map(), RULES, { ratePerSecond: 1, rates: RATES });
    expect(quiet).toMatchObject({ precision: null, recall: null, f1: null, review_rate: 0, false_positive_rate: 0 });
    expect(() => backtest([], new Map(), RULES, { ratePerSecond: 0, rates: RATES })).toThrow('ratePerSecond must be a positive number');
  });

  it('prints the matrix and the figures', () => {
    const text = formatReport(r, { csv: 'tiny.csv', labels: 'tiny.labels.csv', rates: 'test rates' });
    expect(text).toContain(
      '            DECLINE   REVIEW  APPROVE    total\n  fraud           2        1        1        4\n  legit           0        2        3        5\n  total           2        3        4        9\n',
    );
    expect(text).toContain('  precision          0.600   (3 of 5 flagged rows are fraud)');
    expect(text).toContain('  recall             0.750   (3 of 4 fraud rows flagged)');
    expect(text).toContain('  review rate        33.33 %   (3 REVIEW of 9)');
    expect(text).toContain('    card_testing           2 of      3  66.67 %');
    expect(text).toContain('    BIG         60       3       1       2      0.333');
    expect(text).toContain('1 repeated ids counted once; 1 invalid rows skipped (first: P9:');
  });
});
