import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MoneyError, parseAmount } from '@paygate/money';
import { evaluate, type RiskDecision, type RiskFeatures } from './engine';
import { parseRulesFile, type RulesFile } from './rules';

const DEFAULT_RULES_PATH = join(__dirname, '../../rules/default.rules.json');
const CASES_PATH = join(__dirname, 'fixtures/cases.json');

const rules = parseRulesFile(JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8')), 'default.rules.json');

interface FixtureCase {
  name: string;
  features: RiskFeatures;
  expect: { score: number; decision: RiskDecision; reasons: string[] };
}

const FEATURE_KEYS = ['account', 'destination', 'currency', 'amount', 'amount_ref', 'count_1m', 'count_1h', 'destination_seen'];

/** Fixture features are JSON: amounts as decimal strings in major units (`amount` in `currency`, `amount_ref` in the reference currency). */
function loadCases(): FixtureCase[] {
  const raw: unknown = JSON.parse(readFileSync(CASES_PATH, 'utf8'));
  if (!Array.isArray(raw)) throw new Error('cases.json must be an array');
  return raw.map((c: { name: string; features: Record<string, unknown>; expect: FixtureCase['expect'] }, i) => {
    const where = `cases.json[${i}] (${c.name})`;
    const f = c.features;
    const unknown = Object.keys(f).filter((k) => !FEATURE_KEYS.includes(k));
    if (unknown.length) throw new Error(`${where}: unknown feature keys ${unknown.join(', ')}`);
    if (Object.keys(c).sort().join() !== 'expect,features,name') throw new Error(`${where}: keys must be name, features, expect`);
    if (Object.keys(c.expect).sort().join() !== 'decision,reasons,score')
      throw new Error(`${where}: expect must have score, decision, reasons`);
    const features: RiskFeatures = {
      account: f.account as string,
      currency: f.currency as string,
      amountMinor: parseAmount(f.amount as string, f.currency as string),
      count1m: f.count_1m as number,
      count1h: f.count_1h as number,
    };
    if (f.destination !== undefined) features.destination = f.destination as string;
    if (f.amount_ref !== undefined) features.amountRefMinor = parseAmount(f.amount_ref as string, rules.reference_currency);
    if (f.destination_seen !== undefined) features.destinationSeen = f.destination_seen as boolean;
    return { name: c.name, features, expect: c.expect };
  });
}

const cases = loadCases();

describe('default rules against fixtures/cases.json', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const a = evaluate(rules, c.features);
    expect({ score: a.score, decision: a.decision, reasons: a.reasons.map((r) => r.code) }).toEqual(c.expect);
    expect(a.rules_version).toBe('2026-11-25.1');
    for (const r of a.reasons) {
      expect(r.weight).toBe(rules.rules.find((rule) => rule.code === r.code)!.weight);
      expect(r.detail).toMatch(/^\S.*\S$/);
      expect(r.detail).not.toMatch(/e[+-]\d|NaN|undefined|Infinity/);
    }
  });

  it('covers every rule, the cap, both thresholds and the awkward currencies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    const fired = new Set(cases.flatMap((c) => c.expect.reasons));
    expect([...fired].sort()).toEqual(rules.rules.map((r) => r.code).sort());
    const decisions = new Set(cases.map((c) => c.expect.decision));
    expect(decisions).toEqual(new Set(['APPROVE', 'REVIEW', 'DECLINE']));
    const scores = cases.map((c) => c.expect.score);
    expect(scores).toEqual(expect.arrayContaining([rules.thresholds.review, rules.thresholds.decline, 100]));
    const currencies = new Set(cases.map((c) => c.features.currency));
    for (const cur of ['USD', 'JPY', 'IDR', 'KWD']) expect(currencies).toContain(cur);
    expect(cases.some((c) => c.features.amountRefMinor === undefined && c.features.currency !== 'USD')).toBe(true);
    // The cap case is really capped: its weights add up to more than 100.
    const weightOf = (code: string) => rules.rules.find((r) => r.code === code)!.weight;
    expect(cases.some((c) => c.expect.reasons.reduce((s, code) => s + weightOf(code), 0) > 100 && c.expect.score === 100)).toBe(true);
  });
});

describe('reason details', () => {
  const base: RiskFeatures = { account: 'ACC_001', currency: 'USD', amountMinor: 1n, count1m: 0, count1h: 0 };
  const details = (f: Partial<RiskFeatures>) =>
    Object.fromEntries(evaluate(rules, { ...base, ...f }).reasons.map((r) => [r.code, r.detail]));

  it('quote exact amounts in the payment and reference currencies', () => {
    expect(details({ amountMinor: 600000n, amountRefMinor: 600000n })).toEqual({
      HIGH_AMOUNT: 'amount 6,000.00 USD is at least 5,000.00 USD',
    });
    expect(details({ currency: 'JPY', amountMinor: 900000n, amountRefMinor: 600000n })).toEqual({
      HIGH_AMOUNT: 'amount 900,000 JPY (6,000.00 USD) is at least 5,000.00 USD',
    });
    expect(details({ currency: 'KWD', amountMinor: 1000000n, amountRefMinor: 325000n })).toEqual({
      ROUND_AMOUNT:
        'amount 1,000.000 KWD is a whole multiple of 1,000 KWD worth 3,250.00 USD, at least 1,000.00 USD; amount 1,000.000 KWD (3,250.00 USD) is below 5,000.00 USD',
    });
    expect(details({ amountMinor: 200000n })).toEqual({
      ROUND_AMOUNT:
        'amount 2,000.00 USD is a whole multiple of 1,000 USD and at least 1,000.00 USD; amount 2,000.00 USD is below 5,000.00 USD',
    });
    expect(details({ currency: 'ARS', amountMinor: 1234n })).toEqual({
      UNPRICED_CURRENCY: 'amount 12.34 ARS could not be valued in USD: no ARS/USD rate was available',
    });
  });

  it('group digits without ever going through a float', () => {
    expect(details({ amountMinor: 900719925474099n, amountRefMinor: 900719925474099n })).toEqual({
      HIGH_AMOUNT: 'amount 9,007,199,254,740.99 USD is at least 5,000.00 USD',
      VERY_HIGH_AMOUNT: 'amount 9,007,199,254,740.99 USD is at least 25,000.00 USD',
    });
    expect(details({ currency: 'IDR', amountMinor: 9480000000n, amountRefMinor: 600000n }).HIGH_AMOUNT).toBe(
      'amount 94,800,000.00 IDR (6,000.00 USD) is at least 5,000.00 USD',
    );
    expect(details({ currency: 'KWD', amountMinor: 100n, amountRefMinor: 0n })).toEqual({});
  });

  it('quote counts, destinations and lists', () => {
    expect(details({ count1m: 12, count1h: 100, destination: 'ACC_9', destinationSeen: false })).toEqual({
      VELOCITY_1M: 'account made 12 payments in the last minute before this one, at least 10',
      VELOCITY_1H: 'account made 100 payments in the last hour before this one, at least 100',
      NEW_DESTINATION: 'account has not paid destination ACC_9 before',
    });
    expect(details({ account: 'ACC_BLOCKED_001', destination: 'ACC_BLOCKED_002', destinationSeen: true })).toEqual({
      BLOCKED_ACCOUNT: 'account ACC_BLOCKED_001 is on list blocked_accounts',
      BLOCKED_DESTINATION: 'destination ACC_BLOCKED_002 is on list blocked_accounts',
    });
  });
});

describe('condition grammar beyond the shipped file', () => {
  const file = (rulesJson: unknown[], lists: Record<string, string[]> = {}): RulesFile =>
    parseRulesFile({ version: 't1', reference_currency: 'USD', thresholds: { review: 50, decline: 80 }, lists, rules: rulesJson });
  const fired = (r: RulesFile, f: Partial<RiskFeatures>) =>
    evaluate(r, { account: 'A', currency: 'USD', amountMinor: 100n, count1m: 0, count1h: 0, ...f }).reasons.map((x) => x.code);

  it('round_amount with a fractional multiple, exactly in bigint', () => {
    const r = file([{ code: 'R', weight: 1, when: { feature: 'round_amount', multiple_of: '0.05' } }]);
    expect(fired(r, { amountMinor: 125n })).toEqual(['R']);
    expect(fired(r, { amountMinor: 126n })).toEqual([]);
    expect(fired(r, { currency: 'JPY', amountMinor: 7n })).toEqual(['R']); // every whole yen is a multiple of 0.05
    expect(fired(r, { currency: 'KWD', amountMinor: 50n })).toEqual(['R']); // 0.050 KWD
    expect(fired(r, { currency: 'KWD', amountMinor: 51n })).toEqual([]);
    const r2 = file([{ code: 'R', weight: 1, when: { feature: 'round_amount', multiple_of: '2.5' } }]);
    expect(fired(r2, { currency: 'JPY', amountMinor: 5n })).toEqual(['R']);
    expect(fired(r2, { currency: 'JPY', amountMinor: 7n })).toEqual([]);
    expect(fired(r2, { currency: 'USD', amountMinor: 750n })).toEqual(['R']);
  });

  it('round_amount without min_amount_ref fires with no rate; with it, needs the reference amount', () => {
    const r = file([
      { code: 'PLAIN', weight: 1, when: { feature: 'round_amount', multiple_of: '100' } },
      { code: 'MIN', weight: 1, when: { feature: 'round_amount', multiple_of: '100', min_amount_ref: '1.00' } },
    ]);
    expect(fired(r, { currency: 'ARS', amountMinor: 10000n })).toEqual(['PLAIN']);
    expect(fired(r, { currency: 'ARS', amountMinor: 10000n, amountRefMinor: 100n })).toEqual(['MIN', 'PLAIN']);
    expect(fired(r, { currency: 'ARS', amountMinor: 10000n, amountRefMinor: 99n })).toEqual(['PLAIN']);
  });

  it('amount_ref with lt only, and a band with gte and lt', () => {
    const r = file([
      { code: 'SMALL', weight: 1, when: { feature: 'amount_ref', lt: '1.00' } },
      { code: 'BAND', weight: 1, when: { feature: 'amount_ref', gte: '1.00', lt: '2.00' } },
    ]);
    expect(fired(r, { amountMinor: 99n })).toEqual(['SMALL']);
    expect(fired(r, { amountMinor: 100n })).toEqual(['BAND']);
    expect(fired(r, { amountMinor: 199n })).toEqual(['BAND']);
    expect(fired(r, { amountMinor: 200n })).toEqual([]);
    expect(fired(r, { currency: 'EUR', amountMinor: 50n })).toEqual([]); // no rate: no amount rule fires
  });

  it('nested all, and lists other than blocked_accounts', () => {
    const r = file(
      [
        {
          code: 'VIP_BURST',
          weight: 10,
          when: {
            all: [
              { feature: 'account_in', list: 'vip' },
              {
                all: [
                  { feature: 'count_1m', gte: 3 },
                  { feature: 'destination_in', list: 'watch' },
                ],
              },
            ],
          },
        },
      ],
      { vip: ['A'], watch: ['D1'] },
    );
    expect(fired(r, { count1m: 3, destination: 'D1', destinationSeen: true })).toEqual(['VIP_BURST']);
    expect(fired(r, { count1m: 2, destination: 'D1', destinationSeen: true })).toEqual([]);
    expect(fired(r, { count1m: 3 })).toEqual([]); // no destination: destination_in does not hold
    expect(fired(r, { account: 'B', count1m: 3, destination: 'D1', destinationSeen: true })).toEqual([]);
    const a = evaluate(r, { account: 'A', currency: 'USD', amountMinor: 1n, count1m: 3, count1h: 0, destination: 'D1' });
    expect(a.reasons[0].detail).toBe(
      'account A is on list vip; account made 3 payments in the last minute before this one, at least 3; destination D1 is on list watch',
    );
  });

  it('a weight-0 rule is reported without moving the score; a list name like "constructor" is just a name', () => {
    const r = file([{ code: 'WATCH', weight: 0, when: { feature: 'account_in', list: 'constructor' } }], { constructor: ['A'] });
    expect(evaluate(r, { account: 'A', currency: 'USD', amountMinor: 1n, count1m: 0, count1h: 0 })).toEqual({
      score: 0,
      decision: 'APPROVE',
      reasons: [{ code: 'WATCH', weight: 0, detail: 'account A is on list constructor' }],
      rules_version: 't1',
    });
    expect(fired(r, { account: 'B' })).toEqual([]);
  });

  it('a hand-built (unfrozen) rules file is not cached, so edits take effect', () => {
    const r: RulesFile = {
      version: 'x',
      reference_currency: 'USD',
      thresholds: { review: 50, decline: 80 },
      lists: {},
      rules: [{ code: 'BIG', weight: 60, when: { feature: 'amount_ref', gte: '10.00' } }],
    };
    expect(evaluate(r, { account: 'A', currency: 'USD', amountMinor: 1000n, count1m: 0, count1h: 0 }).decision).toBe('REVIEW');
    r.rules[0].when = { feature: 'amount_ref', gte: '20.00' };
    expect(evaluate(r, { account: 'A', currency: 'USD', amountMinor: 1000n, count1m: 0, count1h: 0 }).decision).toBe('APPROVE');
  });
});

describe('malformed features are refused', () => {
  const ok: RiskFeatures = { account: 'A', currency: 'USD', amountMinor: 100n, count1m: 0, count1h: 0 };
  it.each<[string, Partial<RiskFeatures>, new (...args: never[]) => Error]>([
    ['unknown currency', { currency: 'usd' }, MoneyError],
    ['zero amount', { amountMinor: 0n }, RangeError],
    ['negative amount', { amountMinor: -5n }, RangeError],
    ['amount as a number', { amountMinor: 100 as unknown as bigint }, TypeError],
    ['amount out of range', { amountMinor: 2n ** 60n }, MoneyError],
    ['negative reference amount', { amountRefMinor: -1n }, RangeError],
    ['fractional count', { count1m: 1.5 }, RangeError],
    ['negative count', { count1h: -1 }, RangeError],
    ['NaN count', { count1h: NaN }, RangeError],
  ])('%s', (_name, patch, type) => {
    expect(() => evaluate(rules, { ...ok, ...patch })).toThrow(type);
  });
});

describe('invariants (property-based)', () => {
  it('score is the capped sum of reason weights, decision follows thresholds, reasons are ordered', () => {
    const features = fc.record({
      account: fc.constantFrom('ACC_001', 'ACC_BLOCKED_001', 'ACC_X'),
      destination: fc.option(fc.constantFrom('ACC_002', 'ACC_BLOCKED_002'), { nil: undefined }),
      currency: fc.constantFrom('USD', 'JPY', 'KWD', 'IDR', 'ARS'),
      amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      amountRefMinor: fc.option(fc.bigInt({ min: 0n, max: 10n ** 9n }), { nil: undefined }),
      count1m: fc.nat(50),
      count1h: fc.nat(500),
      destinationSeen: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(features, (f) => {
        const a = evaluate(rules, f);
        const sum = a.reasons.reduce((s, r) => s + r.weight, 0);
        expect(a.score).toBe(Math.min(100, sum));
        expect(a.decision).toBe(a.score >= 80 ? 'DECLINE' : a.score >= 50 ? 'REVIEW' : 'APPROVE');
        for (let i = 1; i < a.reasons.length; i++) {
          const [p, q] = [a.reasons[i - 1], a.reasons[i]];
          expect(p.weight > q.weight || (p.weight === q.weight && p.code < q.code)).toBe(true);
        }
        expect(a.reasons.some((r) => r.code === 'UNPRICED_CURRENCY')).toBe(f.amountRefMinor === undefined && f.currency !== 'USD');
      }),
      { numRuns: 300 },
    );
  });
});
