import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MoneyError, parseAmount } from '@paygate/money';
import { evaluate, formatDuration, significantDigits, type RiskDecision, type RiskFeatures } from './engine';
import { EMPTY_HISTORY } from './features';
import { parseRulesFile, type RulesFile } from './rules';

const DEFAULT_RULES_PATH = join(__dirname, '../../rules/default.rules.json');
const CASES_PATH = join(__dirname, 'fixtures/cases.json');
const shippedJson = () => JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8'));

const rules = parseRulesFile(shippedJson(), 'default.rules.json');

interface FixtureCase {
  name: string;
  features: RiskFeatures;
  expect: { score: number; decision: RiskDecision; reasons: string[] };
}

/** An established account unless a case says otherwise (`account_age_seconds: null` is a new account). */
const DEFAULT_AGE_SECONDS = 30 * 86400;
const FEATURE_KEYS = [
  'account',
  'destination',
  'currency',
  'amount',
  'amount_ref',
  'source_currency',
  'count_1m',
  'count_1h',
  'count_24h',
  'sum_1m',
  'sum_1h',
  'sum_24h',
  'destination_seen',
  'account_age_seconds',
  'micro',
  'structuring',
  'history',
];

/**
 * Fixture features are JSON: amounts as decimal strings in major units (`amount` in `currency`,
 * `amount_ref`, sums and `history` in the reference currency); `micro` / `structuring` are the
 * band counts; omitted counts and sums are 0, an omitted history is empty.
 */
function loadCases(): FixtureCase[] {
  const raw: unknown = JSON.parse(readFileSync(CASES_PATH, 'utf8'));
  if (!Array.isArray(raw)) throw new Error('cases.json must be an array');
  const ref = (v: unknown) => (v === undefined ? 0n : parseAmount(v as string, rules.reference_currency, { allowZero: true }));
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
      count1m: (f.count_1m as number) ?? 0,
      count1h: (f.count_1h as number) ?? 0,
      count24h: (f.count_24h as number) ?? 0,
      sum1mRefMinor: ref(f.sum_1m),
      sum1hRefMinor: ref(f.sum_1h),
      sum24hRefMinor: ref(f.sum_24h),
      bandCounts: { micro: (f.micro as number) ?? 0, structuring: (f.structuring as number) ?? 0 },
      historyRefMinor: ((f.history as string[]) ?? []).map((h) => ref(h)),
    };
    if (f.account_age_seconds !== null) features.accountAgeSeconds = (f.account_age_seconds as number) ?? DEFAULT_AGE_SECONDS;
    if (f.destination !== undefined) features.destination = f.destination as string;
    if (f.source_currency !== undefined) features.sourceCurrency = f.source_currency as string;
    if (f.amount_ref !== undefined) features.amountRefMinor = ref(f.amount_ref);
    if (f.destination_seen !== undefined) features.destinationSeen = f.destination_seen as boolean;
    return { name: c.name, features, expect: c.expect };
  });
}

const cases = loadCases();

describe('default rules against fixtures/cases.json', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const a = evaluate(rules, c.features);
    expect({ score: a.score, decision: a.decision, reasons: a.reasons.map((r) => r.code) }).toEqual(c.expect);
    expect(a.rules_version).toBe('2026-11-26.1');
    for (const r of a.reasons) {
      const rule = rules.rules.find((x) => x.code === r.code)!;
      expect(r.weight).toBe(rule.weight);
      expect(r.detail.startsWith(`${rule.reason}: `)).toBe(true);
      expect(r.detail).toMatch(/^\S.*\S$/);
      expect(r.detail).not.toMatch(/e[+-]\d|NaN|undefined|Infinity|\[object/);
    }
  });

  it('covers every rule, the cap, both thresholds and the awkward currencies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
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

/** Features of an established account with no recent activity. */
const base: RiskFeatures = {
  ...EMPTY_HISTORY,
  account: 'ACC_001',
  currency: 'USD',
  amountMinor: 1n,
  accountAgeSeconds: DEFAULT_AGE_SECONDS,
};

describe('allow list', () => {
  const withAllowed = parseRulesFile({ ...shippedJson(), lists: { ...shippedJson().lists, allowed_accounts: ['ACC_TRUSTED'] } });
  const busy: RiskFeatures = {
    ...base,
    amountMinor: 150n,
    amountRefMinor: 150n,
    destination: 'ACC_DST_1',
    destinationSeen: false,
    count1m: 40,
    count1h: 400,
    count24h: 900,
    bandCounts: { micro: 5, structuring: 0 },
  };

  it('exempts an allowed account from the behavioural rules (unless), not from amount or block rules', () => {
    expect(evaluate(withAllowed, busy).reasons.map((r) => r.code)).toEqual([
      'CARD_TESTING',
      'VELOCITY_1M',
      'VELOCITY_1H',
      'NEW_DESTINATION',
    ]);
    expect(evaluate(withAllowed, { ...busy, account: 'ACC_TRUSTED' }).reasons.map((r) => r.code)).toEqual(['NEW_DESTINATION']);
    const big = { ...busy, account: 'ACC_TRUSTED', amountMinor: 600000n, amountRefMinor: 600000n, destination: 'ACC_BLOCKED_001' };
    expect(evaluate(withAllowed, big).reasons.map((r) => r.code)).toEqual(['BLOCKED_DESTINATION', 'HIGH_AMOUNT', 'NEW_DESTINATION']);
  });
});

describe('reason details', () => {
  const details = (f: Partial<RiskFeatures>) =>
    Object.fromEntries(evaluate(rules, { ...base, ...f }).reasons.map((r) => [r.code, r.detail]));

  it('start with the rule reason and quote exact amounts in the payment and reference currencies', () => {
    expect(details({ amountMinor: 600000n, amountRefMinor: 600000n })).toEqual({
      HIGH_AMOUNT: 'Large amount: amount 6,000.00 USD is at least 5,000.00 USD',
    });
    expect(details({ currency: 'JPY', amountMinor: 900000n, amountRefMinor: 600000n })).toEqual({
      HIGH_AMOUNT: 'Large amount: amount 900,000 JPY (6,000.00 USD) is at least 5,000.00 USD',
    });
    expect(details({ currency: 'KWD', amountMinor: 1000000n, amountRefMinor: 325000n })).toEqual({
      ROUND_AMOUNT:
        'Round amount: amount 1,000.000 KWD is round (1 significant digit, at most 2) worth 3,250.00 USD, at least 1,000.00 USD; amount 1,000.000 KWD (3,250.00 USD) is below 5,000.00 USD',
    });
    expect(details({ amountMinor: 340000n })).toEqual({
      ROUND_AMOUNT:
        'Round amount: amount 3,400.00 USD is round (2 significant digits, at most 2) and at least 1,000.00 USD; amount 3,400.00 USD is below 5,000.00 USD',
    });
    expect(details({ currency: 'ARS', amountMinor: 1234n })).toEqual({
      UNPRICED_CURRENCY: 'Amount could not be valued: amount 12.34 ARS could not be valued in USD: no ARS/USD rate was available',
    });
  });

  it('group digits without ever going through a float', () => {
    expect(details({ amountMinor: 900719925474099n, amountRefMinor: 900719925474099n })).toEqual({
      HIGH_AMOUNT: 'Large amount: amount 9,007,199,254,740.99 USD is at least 5,000.00 USD',
      VERY_HIGH_AMOUNT: 'Very large amount: amount 9,007,199,254,740.99 USD is at least 25,000.00 USD',
    });
    expect(details({ currency: 'IDR', amountMinor: 9480000000n, amountRefMinor: 600000n }).HIGH_AMOUNT).toBe(
      'Large amount: amount 94,800,000.00 IDR (6,000.00 USD) is at least 5,000.00 USD',
    );
    expect(details({ currency: 'KWD', amountMinor: 100n, amountRefMinor: 0n })).toEqual({});
  });

  it('quote counts, sums, bands, history, age, destinations, corridors and lists', () => {
    expect(details({ count1m: 12, count1h: 100, count24h: 100, destination: 'ACC_9', destinationSeen: false })).toEqual({
      VELOCITY_1M: 'Many payments in a minute: account made 12 payments in the last minute before this one, at least 10',
      VELOCITY_1H: 'Many payments in an hour: account made 100 payments in the last hour before this one, at least 100',
      NEW_DESTINATION: 'New destination: account has not paid destination ACC_9 before',
    });
    expect(details({ account: 'ACC_BLOCKED_001', destination: 'ACC_BLOCKED_002', destinationSeen: true })).toEqual({
      BLOCKED_ACCOUNT: 'Blocked account: account ACC_BLOCKED_001 is on list blocked_accounts',
      BLOCKED_DESTINATION: 'Blocked destination: destination ACC_BLOCKED_002 is on list blocked_accounts',
    });
    expect(
      details({ amountMinor: 150n, destination: 'D', destinationSeen: false, bandCounts: { micro: 1, structuring: 0 } }).CARD_TESTING,
    ).toBe(
      'Repeated micro payments (card testing): amount 1.50 USD is in band micro (below 5.00 USD); account made 1 payment in band micro (below 5.00 USD) in the last 1h before this one, at least 1; account has not paid destination D before',
    );
    expect(details({ amountMinor: 495000n, count24h: 2, bandCounts: { micro: 0, structuring: 2 } }).STRUCTURING).toBe(
      'Several payments just under the review threshold (structuring): amount 4,950.00 USD is in band structuring (at least 4,500.00 USD and below 5,000.00 USD); account made 2 payments in band structuring (at least 4,500.00 USD and below 5,000.00 USD) in the last 1d before this one, at least 1',
    );
    expect(
      details({
        amountMinor: 234567n,
        count1m: 1,
        count1h: 1,
        count24h: 1,
        sum1mRefMinor: 270000n,
        sum1hRefMinor: 270000n,
        sum24hRefMinor: 270000n,
      }).LARGE_BURST,
    ).toBe(
      "Large payments in quick succession: amount 2,345.67 USD is at least 1,000.00 USD and below 25,000.00 USD; account made 1 payment in the last hour before this one, below 6; the account's payments in the last hour before this one total 2,700.00 USD, at least 2,000.00 USD",
    );
    expect(details({ amountMinor: 200010n, historyRefMinor: [9000n, 10000n, 11000n, 9500n, 10500n, 20000n] }).AMOUNT_SPIKE).toBe(
      "Amount far above the account's usual: the account's history sample has 6 earlier priced payments, at least 5; amount 2,000.10 USD is at least 500.00 USD; amount 2,000.10 USD is 19.5× the median 102.50 USD of the account's last 6 priced payments, at least 10×",
    );
    expect(details({ amountMinor: 345678n, accountAgeSeconds: undefined }).NEW_ACCOUNT_LARGE).toBe(
      'Large first payment of a new account: account ACC_001 has no earlier recorded payment; amount 3,456.78 USD is at least 2,000.00 USD and below 5,000.00 USD',
    );
    expect(details({ currency: 'KPW', amountMinor: 100n, sourceCurrency: 'USD' }).HIGH_RISK_CORRIDOR).toBe(
      'High-risk corridor: corridor USD>KPW matches *>KPW on list high_risk_corridors',
    );
  });
});

describe('condition grammar beyond the shipped file', () => {
  const file = (rulesJson: Array<Record<string, unknown>>, lists: Record<string, string[]> = {}, features?: unknown): RulesFile =>
    parseRulesFile({
      version: 't1',
      reference_currency: 'USD',
      thresholds: { review: 50, decline: 80 },
      lists,
      ...(features ? { features } : {}),
      rules: rulesJson.map((r) => ({ reason: `Reason ${String(r.code)}`, ...r })),
    });
  const fired = (r: RulesFile, f: Partial<RiskFeatures>) =>
    evaluate(r, { ...base, account: 'A', amountMinor: 100n, ...f }).reasons.map((x) => x.code);

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

  it('round_amount by significant digits: whole amounts only, trailing zeros do not count', () => {
    const r = file([{ code: 'R', weight: 1, when: { feature: 'round_amount', max_significant_digits: 2 } }]);
    expect(fired(r, { amountMinor: 340000n })).toEqual(['R']); // 3,400.00
    expect(fired(r, { amountMinor: 345000n })).toEqual([]); // 3,450.00
    expect(fired(r, { amountMinor: 340001n })).toEqual([]); // 3,400.01: not whole
    expect(fired(r, { amountMinor: 900n })).toEqual(['R']); // 9.00
    expect(fired(r, { currency: 'JPY', amountMinor: 1_200_000n })).toEqual(['R']);
    expect(fired(r, { currency: 'IDR', amountMinor: 5_700_000_000n })).toEqual(['R']); // 57,000,000.00
    expect(fired(r, { currency: 'KWD', amountMinor: 10_000n })).toEqual(['R']); // 10.000
    expect([significantDigits(3400n), significantDigits(1050n), significantDigits(7n), significantDigits(100000n)]).toEqual([2, 3, 1, 1]);
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

  it('sums over each window, with bounds', () => {
    const r = file([
      { code: 'S1M', weight: 1, when: { feature: 'sum_1m', gte: '10.00' } },
      { code: 'S1H', weight: 1, when: { feature: 'sum_1h', gte: '10.00', lt: '20.00' } },
      { code: 'S24H', weight: 1, when: { feature: 'sum_24h', lt: '0.01' } },
    ]);
    expect(fired(r, {})).toEqual(['S24H']);
    expect(fired(r, { sum1mRefMinor: 1000n, sum1hRefMinor: 1999n, sum24hRefMinor: 1999n })).toEqual(['S1H', 'S1M']);
    expect(fired(r, { sum1mRefMinor: 999n, sum1hRefMinor: 2000n, sum24hRefMinor: 1n })).toEqual([]);
  });

  it('counts with lt, count_24h and history_count', () => {
    const r = file([
      { code: 'FEW', weight: 1, when: { feature: 'count_24h', lt: 3 } },
      { code: 'DAY', weight: 1, when: { feature: 'count_24h', gte: 3, lt: 5 } },
      { code: 'HIST', weight: 1, when: { feature: 'history_count', gte: 2 } },
    ]);
    expect(fired(r, { count24h: 2, historyRefMinor: [1n] })).toEqual(['FEW']);
    expect(fired(r, { count24h: 3, historyRefMinor: [1n, 2n] })).toEqual(['DAY', 'HIST']);
    expect(fired(r, { count24h: 5 })).toEqual([]);
  });

  it('account_age and new_account: a new account has age 0; an account seen before has its age', () => {
    const r = file([
      { code: 'YOUNG', weight: 1, when: { feature: 'account_age', lt: '1h' } },
      { code: 'OLD', weight: 1, when: { feature: 'account_age', gte: '7d' } },
      { code: 'NEW', weight: 1, when: { feature: 'new_account' } },
    ]);
    expect(fired(r, { accountAgeSeconds: undefined })).toEqual(['NEW', 'YOUNG']);
    expect(fired(r, { accountAgeSeconds: 0 })).toEqual(['YOUNG']);
    expect(fired(r, { accountAgeSeconds: 3599 })).toEqual(['YOUNG']);
    expect(fired(r, { accountAgeSeconds: 3600 })).toEqual([]);
    expect(fired(r, { accountAgeSeconds: 7 * 86400 })).toEqual(['OLD']);
    const d = evaluate(r, { ...base, accountAgeSeconds: 3725 }).reasons;
    expect(d).toEqual([]);
    expect(evaluate(r, { ...base, accountAgeSeconds: 1925 }).reasons[0].detail).toBe(
      'Reason YOUNG: account ACC_001 was first seen 32m 5s ago, below 1h',
    );
    expect([formatDuration(0), formatDuration(59), formatDuration(3725), formatDuration(90061)]).toEqual([
      '0s',
      '59s',
      '1h 2m 5s',
      '1d 1h 1m 1s',
    ]);
  });

  it('amount bands: in_band for this payment, band_count for earlier ones; absent counts are 0', () => {
    const r = file(
      [
        { code: 'IN', weight: 1, when: { feature: 'in_band', band: 'mid' } },
        { code: 'MANY', weight: 1, when: { feature: 'band_count', band: 'mid', gte: 2 } },
        { code: 'NONE', weight: 1, when: { feature: 'band_count', band: 'mid', lt: 1 } },
      ],
      {},
      { amount_bands: { mid: { gte: '10.00', lt: '20.00', window: '10m' } } },
    );
    expect(fired(r, { amountMinor: 1000n, bandCounts: {} })).toEqual(['IN', 'NONE']);
    expect(fired(r, { amountMinor: 2000n, bandCounts: { mid: 2 } })).toEqual(['MANY']);
    expect(fired(r, { currency: 'EUR', amountMinor: 1500n, bandCounts: { mid: 1 } })).toEqual([]); // unpriced: not in any band
  });

  it('amount_vs_history: median or mean of the sample, compared exactly', () => {
    const r = file([
      { code: 'MED', weight: 1, when: { feature: 'amount_vs_history', gte: '3' } },
      { code: 'MEAN', weight: 1, when: { feature: 'amount_vs_history', of: 'mean', gte: '2.5', lt: '3' } },
    ]);
    // median of [100, 200, 900] = 200, mean = 400.
    expect(fired(r, { amountMinor: 600n, historyRefMinor: [100n, 900n, 200n] })).toEqual(['MED']);
    expect(fired(r, { amountMinor: 599n, historyRefMinor: [100n, 900n, 200n] })).toEqual([]);
    expect(fired(r, { amountMinor: 1000n, historyRefMinor: [100n, 900n, 200n] })).toEqual(['MEAN', 'MED']);
    expect(fired(r, { amountMinor: 1200n, historyRefMinor: [100n, 900n, 200n] })).toEqual(['MED']);
    // Even sample: median (100 + 200) / 2 = 150, exactly 450 is 3×.
    expect(fired(r, { amountMinor: 450n, historyRefMinor: [100n, 200n] })).toEqual(['MED']);
    expect(fired(r, { amountMinor: 449n, historyRefMinor: [100n, 200n] })).toEqual(['MEAN']);
    expect(fired(r, { amountMinor: 450n, historyRefMinor: [] })).toEqual([]); // no history: no ratio
    expect(fired(r, { amountMinor: 450n, historyRefMinor: [0n] })).toEqual([]); // a zero statistic: no ratio
    expect(fired(r, { currency: 'EUR', amountMinor: 9999n, historyRefMinor: [1n] })).toEqual([]); // unpriced
  });

  it('any, not, unless; flags cross_currency; lists currency_in and corridor_in', () => {
    const r = file(
      [
        { code: 'ANY', weight: 1, when: { any: [{ feature: 'currency_in', list: 'cur' }, { feature: 'cross_currency' }] } },
        { code: 'NOT', weight: 1, when: { not: { feature: 'account_in', list: 'vip' } } },
        { code: 'UNLESS', weight: 1, when: { feature: 'corridor_in', list: 'cor' }, unless: { feature: 'account_in', list: 'vip' } },
      ],
      { cur: ['IDR'], vip: ['V'], cor: ['USD>IDR', '*>JPY', 'EUR>*'] },
    );
    expect(fired(r, {})).toEqual(['NOT']);
    expect(fired(r, { account: 'V' })).toEqual([]);
    expect(fired(r, { account: 'V', currency: 'IDR', amountMinor: 100n })).toEqual(['ANY']);
    expect(fired(r, { currency: 'IDR', amountMinor: 100n })).toEqual(['ANY', 'NOT']); // IDR without a known source: USD>IDR cannot match
    expect(fired(r, { currency: 'IDR', amountMinor: 100n, sourceCurrency: 'USD' })).toEqual(['ANY', 'NOT', 'UNLESS']);
    expect(fired(r, { currency: 'JPY', amountMinor: 100n })).toEqual(['NOT', 'UNLESS']); // *>JPY matches an unknown source
    expect(fired(r, { sourceCurrency: 'EUR' })).toEqual(['ANY', 'NOT', 'UNLESS']); // EUR>* and cross-currency
    expect(fired(r, { sourceCurrency: 'USD' })).toEqual(['NOT']); // same currency: not cross
    const a = evaluate(r, { ...base, account: 'A', currency: 'IDR', amountMinor: 100n, sourceCurrency: 'USD' });
    expect(a.reasons.map((x) => x.detail)).toEqual([
      'Reason ANY: currency IDR is on list cur; paid in IDR from USD funds',
      'Reason NOT: not (account on list vip)',
      'Reason UNLESS: corridor USD>IDR matches USD>IDR on list cor',
    ]);
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
    const a = evaluate(r, { ...base, account: 'A', count1m: 3, destination: 'D1' });
    expect(a.reasons[0].detail).toBe(
      'Reason VIP_BURST: account A is on list vip; account made 3 payments in the last minute before this one, at least 3; destination D1 is on list watch',
    );
  });

  it('a weight-0 rule is reported without moving the score; a list name like "constructor" is just a name', () => {
    const r = file([{ code: 'WATCH', weight: 0, when: { feature: 'account_in', list: 'constructor' } }], { constructor: ['A'] });
    expect(evaluate(r, { ...base, account: 'A' })).toEqual({
      score: 0,
      decision: 'APPROVE',
      reasons: [{ code: 'WATCH', weight: 0, detail: 'Reason WATCH: account A is on list constructor' }],
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
      features: { history_size: 20, amount_bands: {} },
      rules: [{ code: 'BIG', weight: 60, reason: 'Big', when: { feature: 'amount_ref', gte: '10.00' } }],
    };
    expect(evaluate(r, { ...base, amountMinor: 1000n }).decision).toBe('REVIEW');
    r.rules[0].when = { feature: 'amount_ref', gte: '20.00' };
    expect(evaluate(r, { ...base, amountMinor: 1000n }).decision).toBe('APPROVE');
  });
});

describe('malformed features are refused', () => {
  const ok: RiskFeatures = { ...base, account: 'A', amountMinor: 100n };
  it.each<[string, Partial<RiskFeatures>, new (...args: never[]) => Error]>([
    ['unknown currency', { currency: 'usd' }, MoneyError],
    ['zero amount', { amountMinor: 0n }, RangeError],
    ['negative amount', { amountMinor: -5n }, RangeError],
    ['amount as a number', { amountMinor: 100 as unknown as bigint }, TypeError],
    ['amount out of range', { amountMinor: 2n ** 60n }, MoneyError],
    ['negative reference amount', { amountRefMinor: -1n }, RangeError],
    ['negative sum', { sum1hRefMinor: -1n }, RangeError],
    ['negative history entry', { historyRefMinor: [1n, -1n] }, RangeError],
    ['fractional count', { count1m: 1.5 }, RangeError],
    ['negative count', { count1h: -1 }, RangeError],
    ['NaN count', { count24h: NaN }, RangeError],
    ['negative band count', { bandCounts: { micro: -1 } }, RangeError],
    ['fractional age', { accountAgeSeconds: 1.5 }, RangeError],
    ['unknown source currency', { sourceCurrency: 'XXY' }, TypeError],
  ])('%s', (_name, patch, type) => {
    expect(() => evaluate(rules, { ...ok, ...patch })).toThrow(type);
  });
});

describe('invariants (property-based)', () => {
  it('score is the capped sum of reason weights, decision follows thresholds, reasons are ordered', () => {
    const money = (max: bigint) => fc.bigInt({ min: 0n, max });
    const features = fc.record({
      account: fc.constantFrom('ACC_001', 'ACC_BLOCKED_001', 'ACC_X'),
      destination: fc.option(fc.constantFrom('ACC_002', 'ACC_BLOCKED_002'), { nil: undefined }),
      currency: fc.constantFrom('USD', 'JPY', 'KWD', 'IDR', 'ARS', 'KPW'),
      sourceCurrency: fc.option(fc.constantFrom('USD', 'EUR'), { nil: undefined }),
      amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      amountRefMinor: fc.option(money(10n ** 9n), { nil: undefined }),
      count1m: fc.nat(50),
      count1h: fc.nat(500),
      count24h: fc.nat(5000),
      sum1mRefMinor: money(10n ** 8n),
      sum1hRefMinor: money(10n ** 9n),
      sum24hRefMinor: money(10n ** 10n),
      destinationSeen: fc.option(fc.boolean(), { nil: undefined }),
      accountAgeSeconds: fc.option(fc.nat(10 ** 8), { nil: undefined }),
      bandCounts: fc.record({ micro: fc.nat(20), structuring: fc.nat(10) }),
      historyRefMinor: fc.array(money(10n ** 8n), { maxLength: 20 }),
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
        expect(a.reasons.some((r) => r.code === 'BLOCKED_ACCOUNT')).toBe(f.account === 'ACC_BLOCKED_001');
      }),
      { numRuns: 300 },
    );
  });
});
