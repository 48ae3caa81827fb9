import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCorridor, parseDuration, parseRulesFile, RulesFileError, type RulesFile } from './rules';

const DEFAULT_RULES_PATH = join(__dirname, '../../rules/default.rules.json');
const shippedJson = (): unknown => JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8'));

/** A small valid file, as parsed JSON, to break one field at a time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test data is deliberately loosely typed JSON
type Json = any;
function valid(): Json {
  return {
    version: 'v1',
    reference_currency: 'USD',
    thresholds: { review: 50, decline: 80 },
    lists: { blocked: ['A', 'B'] },
    rules: [
      { code: 'HIGH', weight: 50, reason: 'Large amount', when: { feature: 'amount_ref', gte: '5000.00' } },
      { code: 'FAST', weight: 30, reason: 'Fast', when: { feature: 'count_1m', gte: 10 } },
      {
        code: 'COMBO',
        weight: 10,
        reason: 'Round to someone new',
        description: 'round and new',
        when: { all: [{ feature: 'round_amount', multiple_of: '1000', min_amount_ref: '1000.00' }, { feature: 'new_destination' }] },
      },
      { code: 'BLOCKED', weight: 100, reason: 'Blocked', when: { feature: 'account_in', list: 'blocked' } },
    ],
  };
}

function errorOf(raw: unknown, source?: string): RulesFileError {
  try {
    parseRulesFile(raw, source);
  } catch (e) {
    if (e instanceof RulesFileError) return e;
    throw e;
  }
  throw new Error('expected parseRulesFile to throw');
}

describe('the shipped default.rules.json', () => {
  const rules = parseRulesFile(shippedJson(), 'default.rules.json');

  it('parses, with the agreed version, thresholds, weights and list', () => {
    expect(rules.version).toBe('2026-11-26.1');
    expect(rules.reference_currency).toBe('USD');
    expect(rules.thresholds).toEqual({ review: 50, decline: 80 });
    expect(rules.lists).toEqual({
      blocked_accounts: ['ACC_BLOCKED_001', 'ACC_BLOCKED_002'],
      allowed_accounts: ['ACC_SRC_0000'],
      high_risk_corridors: ['*>KPW', '*>IRR', '*>SYP', '*>MMK'],
    });
    expect(rules.features).toEqual({
      history_size: 20,
      amount_bands: {
        micro: { lt: '5.00', window: '1h' },
        structuring: { gte: '4500.00', lt: '5000.00', window: '24h' },
      },
    });
    expect(Object.fromEntries(rules.rules.map((r) => [r.code, r.weight]))).toEqual({
      HIGH_AMOUNT: 50,
      VERY_HIGH_AMOUNT: 40,
      VELOCITY_1M: 25,
      VELOCITY_1H: 15,
      NEW_DESTINATION: 5,
      ROUND_AMOUNT: 15,
      CARD_TESTING: 50,
      STRUCTURING: 50,
      NEAR_THRESHOLD: 25,
      NEW_ACCOUNT_LARGE: 30,
      LARGE_BURST: 50,
      AMOUNT_SPIKE: 20,
      HIGH_RISK_CORRIDOR: 40,
      UNPRICED_CURRENCY: 20,
      BLOCKED_ACCOUNT: 100,
      BLOCKED_DESTINATION: 100,
    });
    for (const r of rules.rules) expect(r.reason).toMatch(/^[A-Z]/);
  });

  it('comes back as the same data, deeply frozen', () => {
    expect(rules).toEqual(shippedJson());
    expect(parseRulesFile(JSON.parse(JSON.stringify(rules)))).toEqual(rules);
    expect(Object.isFrozen(rules)).toBe(true);
    expect(Object.isFrozen(rules.rules[0].when)).toBe(true);
    expect(Object.isFrozen(rules.lists.blocked_accounts)).toBe(true);
  });
});

describe('parseRulesFile accepts', () => {
  it('a file without lists (defaults to {}) and with no rules', () => {
    const raw = valid();
    delete raw.lists;
    raw.rules = [];
    expect(parseRulesFile(raw)).toEqual({ ...raw, lists: {}, features: { history_size: 20, amount_bands: {} } });
  });

  it('and copies only what it validated (the input is not frozen or shared)', () => {
    const raw = valid();
    const parsed: RulesFile = parseRulesFile(raw);
    expect(parsed).toEqual({ ...raw, features: { history_size: 20, amount_bands: {} } });
    expect(parsed).not.toBe(raw);
    expect(Object.isFrozen(raw)).toBe(false);
  });
});

describe('parseRulesFile rejects', () => {
  const cases: [string, (f: Json) => unknown, string][] = [
    ['a non-object file', () => [], 'rules file must be a JSON object, got an array'],
    ['null', () => null, 'rules file must be a JSON object, got null'],
    [
      'an unknown top-level key',
      (f) => ({ ...f, extra: 1 }),
      'rules file has unknown key "extra"; allowed keys: version, reference_currency, thresholds, lists, features, rules',
    ],
    ['a missing version', (f) => (delete f.version, f), 'version is required'],
    ['an empty version', (f) => ((f.version = ''), f), 'version must be a non-empty string'],
    [
      'a numeric version',
      (f) => ((f.version = 3), f),
      'version must be a non-empty string of letters, digits and . _ : + - (at most 64 characters, such as "2026-11-25.1"), got number 3',
    ],
    [
      'a lower-case currency',
      (f) => ((f.reference_currency = 'usd'), f),
      'reference_currency must be an ISO 4217 currency code such as "USD", got string "usd"',
    ],
    ['an unknown currency', (f) => ((f.reference_currency = 'XXY'), f), 'reference_currency must be an ISO 4217 currency code'],
    ['missing thresholds', (f) => (delete f.thresholds, f), 'thresholds is required'],
    ['a missing decline threshold', (f) => (delete f.thresholds.decline, f), 'thresholds.decline is required'],
    ['an unknown threshold', (f) => ((f.thresholds.block = 90), f), 'thresholds has unknown key "block"'],
    [
      'review >= decline',
      (f) => ((f.thresholds = { review: 80, decline: 80 }), f),
      'thresholds.review (80) must be lower than thresholds.decline (80)',
    ],
    [
      'review > decline',
      (f) => ((f.thresholds = { review: 90, decline: 60 }), f),
      'thresholds.review (90) must be lower than thresholds.decline (60)',
    ],
    [
      'a decline above 100',
      (f) => ((f.thresholds.decline = 101), f),
      'thresholds.decline must be a whole number from 1 to 100, got number 101',
    ],
    ['a review of 0', (f) => ((f.thresholds.review = 0), f), 'thresholds.review must be a whole number from 1 to 100, got number 0'],
    [
      'a fractional threshold',
      (f) => ((f.thresholds.review = 49.5), f),
      'thresholds.review must be a whole number from 1 to 100, got number 49.5',
    ],
    [
      'lists that are not an object',
      (f) => ((f.lists = ['A']), f),
      'lists must be an object mapping list names to arrays of strings, got an array',
    ],
    ['a bad list name', (f) => ((f.lists = { 'Bad Name': [] }), f), 'lists has an invalid list name "Bad Name"'],
    [
      'a __proto__ list name',
      () =>
        JSON.parse(
          '{"version":"v","reference_currency":"USD","thresholds":{"review":1,"decline":2},"lists":{"__proto__":["A"]},"rules":[]}',
        ),
      'lists has an invalid list name "__proto__"',
    ],
    ['a list that is not an array', (f) => ((f.lists.blocked = 'A'), f), 'lists.blocked must be an array of strings, got string "A"'],
    ['a non-string list entry', (f) => ((f.lists.blocked = ['A', 7]), f), 'lists.blocked[1] must be a non-empty string'],
    ['an empty list entry', (f) => ((f.lists.blocked = ['']), f), 'lists.blocked[0] must be a non-empty string'],
    ['a duplicate list entry', (f) => ((f.lists.blocked = ['A', 'B', 'A']), f), 'lists.blocked[2] "A" is listed twice'],
    ['rules that are not an array', (f) => ((f.rules = {}), f), 'rules must be an array of rules, got an object'],
    ['a rule that is not an object', (f) => (f.rules.push('HIGH'), f), 'rules[4] must be a JSON object, got string "HIGH"'],
    [
      'an unknown rule key',
      (f) => ((f.rules[1].enabled = true), f),
      'rules[1] has unknown key "enabled"; allowed keys: code, weight, reason, description, when, unless',
    ],
    ['a missing code', (f) => (delete f.rules[0].code, f), 'rules[0].code is required'],
    ['a lower-case code', (f) => ((f.rules[0].code = 'high'), f), 'rules[0].code must be upper-case letters, digits and _'],
    ['duplicate codes', (f) => ((f.rules[3].code = 'FAST'), f), 'rules[3].code "FAST" duplicates rules[1].code; rule codes must be unique'],
    ['a missing weight', (f) => (delete f.rules[2].weight, f), 'rules[2].weight is required'],
    ['a negative weight', (f) => ((f.rules[2].weight = -1), f), 'rules[2].weight must be a whole number from 0 to 100, got number -1'],
    ['a weight above 100', (f) => ((f.rules[2].weight = 101), f), 'rules[2].weight must be a whole number from 0 to 100, got number 101'],
    [
      'a fractional weight',
      (f) => ((f.rules[2].weight = 12.5), f),
      'rules[2].weight must be a whole number from 0 to 100, got number 12.5',
    ],
    ['a string weight', (f) => ((f.rules[2].weight = '50'), f), 'rules[2].weight must be a whole number from 0 to 100, got string "50"'],
    ['a non-string description', (f) => ((f.rules[2].description = 5), f), 'rules[2].description must be a string'],
    ['a missing when', (f) => (delete f.rules[0].when, f), 'rules[0].when is required'],
    ['a when that is not an object', (f) => ((f.rules[0].when = 'amount_ref >= 5000'), f), 'rules[0].when must be a condition object'],
    ['a condition without feature or all', (f) => ((f.rules[0].when = { gte: '1.00' }), f), 'rules[0].when must have either "feature"'],
    [
      'an unknown condition kind',
      (f) => ((f.rules[0].when = { feature: 'amount_eur', gte: '1.00' }), f),
      'rules[0].when.feature "amount_eur" is not a known condition kind; expected one of amount_ref, sum_1m, sum_1h, sum_24h, count_1m, count_1h, count_24h, history_count, account_age, band_count, in_band, amount_vs_history, amount_ref_unknown, new_destination, new_account, cross_currency, round_amount, account_in, destination_in, currency_in, corridor_in, or "all", "any", "not"',
    ],
    [
      'a non-string feature',
      (f) => ((f.rules[0].when = { feature: 1 }), f),
      'rules[0].when.feature must be a string naming a condition kind, got number 1',
    ],
    [
      'an unknown condition key',
      (f) => ((f.rules[0].when.gt = '1.00'), f),
      'rules[0].when has unknown key "gt"; allowed keys: feature, gte, lt',
    ],
    [
      'code in a condition',
      (f) => ((f.rules[0].when = { feature: 'amount_ref', gte: '1.00', eval: 'process.exit()' }), f),
      'rules[0].when has unknown key "eval"',
    ],
    [
      'a float amount',
      (f) => ((f.rules[0].when.gte = 5000.5), f),
      'rules[0].when.gte must be a decimal string of USD major units such as "5000.00" (JSON numbers are not accepted), got number 5000.5',
    ],
    ['an integer amount as a JSON number', (f) => ((f.rules[0].when.gte = 5000), f), 'rules[0].when.gte must be a decimal string'],
    [
      'an amount more precise than the currency',
      (f) => ((f.rules[0].when.gte = '5000.001'), f),
      'rules[0].when.gte is not a valid USD amount: amount "5000.001" has 3 decimals but USD allows at most 2',
    ],
    [
      'an amount in exponent notation',
      (f) => ((f.rules[0].when.gte = '5e3'), f),
      'rules[0].when.gte is not a valid USD amount: amount "5e3" uses exponent notation',
    ],
    [
      'a negative amount',
      (f) => ((f.rules[0].when.gte = '-1.00'), f),
      'rules[0].when.gte is not a valid USD amount: amount "-1.00" must not be negative',
    ],
    [
      'a zero amount',
      (f) => ((f.rules[0].when.gte = '0'), f),
      'rules[0].when.gte is not a valid USD amount: amount "0" must be greater than zero',
    ],
    ['grouped digits', (f) => ((f.rules[0].when.gte = '5,000.00'), f), 'rules[0].when.gte is not a valid USD amount'],
    [
      'amount_ref without bounds',
      (f) => ((f.rules[0].when = { feature: 'amount_ref' }), f),
      'rules[0].when must have "gte", "lt" or both for feature amount_ref',
    ],
    [
      'an empty amount_ref band',
      (f) => ((f.rules[0].when = { feature: 'amount_ref', gte: '2.00', lt: '2.00' }), f),
      'rules[0].when.gte (2.00) must be lower than rules[0].when.lt (2.00)',
    ],
    [
      'a string count',
      (f) => ((f.rules[1].when.gte = '10'), f),
      'rules[1].when.gte must be a whole number of payments >= 1, got string "10"',
    ],
    [
      'a fractional count',
      (f) => ((f.rules[1].when.gte = 1.5), f),
      'rules[1].when.gte must be a whole number of payments >= 1, got number 1.5',
    ],
    ['a zero count', (f) => ((f.rules[1].when.gte = 0), f), 'rules[1].when.gte must be a whole number of payments >= 1, got number 0'],
    [
      'a count without bounds',
      (f) => ((f.rules[1].when = { feature: 'count_1h' }), f),
      'rules[1].when must have "gte", "lt" or both for feature count_1h',
    ],
    [
      'an argument to new_destination',
      (f) => ((f.rules[1].when = { feature: 'new_destination', gte: 1 }), f),
      'rules[1].when has unknown key "gte"; allowed keys: feature',
    ],
    [
      'an empty all',
      (f) => ((f.rules[2].when = { all: [] }), f),
      'rules[2].when.all must be a non-empty array of conditions, got an array',
    ],
    [
      'all that is not an array',
      (f) => ((f.rules[2].when = { all: { feature: 'new_destination' } }), f),
      'rules[2].when.all must be a non-empty array of conditions, got an object',
    ],
    [
      'all mixed with feature',
      (f) => ((f.rules[2].when.feature = 'new_destination'), f),
      'rules[2].when has unknown key "feature"; allowed keys: all',
    ],
    [
      'a nested error, with its full path',
      (f) => ((f.rules[2].when.all[0].min_amount_ref = '1000.001'), f),
      'rules[2].when.all[0].min_amount_ref is not a valid USD amount: amount "1000.001" has 3 decimals',
    ],
    [
      'a numeric multiple_of',
      (f) => ((f.rules[2].when.all[0].multiple_of = 1000), f),
      'rules[2].when.all[0].multiple_of must be a positive decimal string of major units such as "1000" (no sign, exponent or leading zeros), got number 1000',
    ],
    [
      'a zero multiple_of',
      (f) => ((f.rules[2].when.all[0].multiple_of = '0.00'), f),
      'rules[2].when.all[0].multiple_of must be a positive decimal string',
    ],
    [
      'a signed multiple_of',
      (f) => ((f.rules[2].when.all[0].multiple_of = '-1000'), f),
      'rules[2].when.all[0].multiple_of must be a positive decimal string',
    ],
    [
      'a missing multiple_of',
      (f) => (delete f.rules[2].when.all[0].multiple_of, f),
      'rules[2].when.all[0] must have exactly one of "multiple_of" and "max_significant_digits" for feature round_amount',
    ],
    [
      'an undefined list',
      (f) => ((f.rules[3].when.list = 'allowed'), f),
      'rules[3].when.list "allowed" is not defined in lists (defined: blocked)',
    ],
    [
      'a list reference when there are no lists',
      (f) => (delete f.lists, f),
      'rules[3].when.list "blocked" is not defined in lists (defined: none)',
    ],
    [
      'an inherited property as a list name',
      (f) => ((f.rules[3].when.list = 'constructor'), f),
      'rules[3].when.list "constructor" is not defined in lists',
    ],
    ['a missing list', (f) => ((f.rules[3].when = { feature: 'destination_in' }), f), 'rules[3].when.list is required'],
    [
      'all nested too deep',
      (f) => {
        let when: Json = { feature: 'new_destination' };
        for (let i = 0; i < 9; i++) when = { all: [when] };
        f.rules[2].when = when;
        return f;
      },
      `rules[2].when${'.all[0]'.repeat(7)}.all nests conditions more than 8 levels deep`,
    ],
  ];

  it.each(cases)('%s', (_name, breakIt, message) => {
    const e = errorOf(breakIt(valid()));
    expect(e).toBeInstanceOf(RulesFileError);
    expect(e.name).toBe('RulesFileError');
    expect(e.message.startsWith(message)).toBe(true);
  });

  it('names the source and the field path in the error', () => {
    const f = valid();
    f.rules[0].when.gte = 5000.5;
    const e = errorOf(f, 'rules/draft.rules.json');
    expect(e.source).toBe('rules/draft.rules.json');
    expect(e.path).toBe('rules[0].when.gte');
    expect(e.message).toMatch(/^rules\/draft\.rules\.json: rules\[0\]\.when\.gte must be a decimal string/);
  });

  it('quotes hostile input truncated and escaped', () => {
    const f = valid();
    f.rules[0].when.feature = `x\n${'y'.repeat(500)}`;
    const e = errorOf(f);
    expect(e.message).not.toContain('\n');
    expect(e.message.length).toBeLessThan(600); // the echo is truncated to 48 characters; the rest lists the known kinds
  });
});

describe('parseRulesFile: features, bands, combinators and list kinds', () => {
  /** valid() with bands, corridor and currency lists. */
  function rich(): Json {
    const f = valid();
    f.lists.corridors = ['USD>IDR', '*>KPW', 'EUR>*'];
    f.lists.currencies = ['KPW', 'IRR'];
    f.features = {
      history_size: 10,
      amount_bands: { micro: { lt: '5.00', window: '1h' }, near: { gte: '4500.00', lt: '5000.00', window: '24h' } },
    };
    f.rules.push({
      code: 'RICH',
      weight: 20,
      reason: 'Everything',
      when: {
        any: [
          {
            all: [
              { feature: 'in_band', band: 'micro' },
              { feature: 'band_count', band: 'micro', gte: 2, lt: 10 },
            ],
          },
          { not: { feature: 'corridor_in', list: 'corridors' } },
          { feature: 'sum_24h', gte: '100.00', lt: '200.00' },
          { feature: 'count_24h', lt: 3 },
          { feature: 'history_count', gte: 5 },
          { feature: 'account_age', gte: '90s', lt: '7d' },
          { feature: 'amount_vs_history', of: 'mean', gte: '2.5', lt: '10' },
          { feature: 'round_amount', max_significant_digits: 2, min_amount_ref: '1000.00' },
          { feature: 'currency_in', list: 'currencies' },
          { feature: 'new_account' },
          { feature: 'cross_currency' },
        ],
      },
      unless: { feature: 'account_in', list: 'blocked' },
    });
    return f;
  }

  it('accepts the whole grammar and keeps it as written', () => {
    const raw = rich();
    const parsed = parseRulesFile(raw);
    expect(parsed).toEqual(raw);
    expect(Object.isFrozen(parsed.features.amount_bands.micro)).toBe(true);
  });

  const cases: [string, (f: Json) => unknown, string][] = [
    ['a missing reason', (f) => (delete f.rules[0].reason, f), 'rules[0].reason is required'],
    ['a blank reason', (f) => ((f.rules[0].reason = '  '), f), 'rules[0].reason must be a readable sentence of 1 to 200 characters'],
    [
      'an unknown features key',
      (f) => ((f.features.windows = []), f),
      'features has unknown key "windows"; allowed keys: history_size, amount_bands',
    ],
    [
      'a zero history size',
      (f) => ((f.features.history_size = 0), f),
      'features.history_size must be a whole number of payments from 1 to 100, got number 0',
    ],
    [
      'a huge history size',
      (f) => ((f.features.history_size = 101), f),
      'features.history_size must be a whole number of payments from 1 to 100',
    ],
    [
      'a bad band name',
      (f) => ((f.features.amount_bands = { Micro: { lt: '1.00', window: '1h' } }), f),
      'features.amount_bands has an invalid band name "Micro"',
    ],
    [
      'a band without bounds',
      (f) => ((f.features.amount_bands.micro = { window: '1h' }), f),
      'features.amount_bands.micro must have "gte", "lt" or both',
    ],
    ['a band without window', (f) => (delete f.features.amount_bands.micro.window, f), 'features.amount_bands.micro.window is required'],
    [
      'a band window in a bad unit',
      (f) => ((f.features.amount_bands.micro.window = '1w'), f),
      'features.amount_bands.micro.window must be a duration such as "10m", "1h" or "24h", at most 7d, got string "1w"',
    ],
    [
      'a band window over 7 days',
      (f) => ((f.features.amount_bands.micro.window = '8d'), f),
      'features.amount_bands.micro.window must be a duration',
    ],
    [
      'an empty band',
      (f) => ((f.features.amount_bands.near.gte = '5000.00'), f),
      'features.amount_bands.near.gte (5000.00) must be lower than features.amount_bands.near.lt (5000.00)',
    ],
    [
      'a float band bound',
      (f) => ((f.features.amount_bands.near.lt = 5000), f),
      'features.amount_bands.near.lt must be a decimal string of USD major units',
    ],
    [
      'an undefined band',
      (f) => ((f.rules[4].when.any[0].all[0].band = 'nano'), f),
      'rules[4].when.any[0].all[0].band "nano" is not defined in features.amount_bands (defined: micro, near)',
    ],
    ['band_count without a band', (f) => (delete f.rules[4].when.any[0].all[1].band, f), 'rules[4].when.any[0].all[1].band is required'],
    [
      'a band_count of 0',
      (f) => ((f.rules[4].when.any[0].all[1].gte = 0), f),
      'rules[4].when.any[0].all[1].gte must be a whole number of payments >= 1, got number 0',
    ],
    [
      'band_count gte >= lt',
      (f) => ((f.rules[4].when.any[0].all[1].lt = 2), f),
      'rules[4].when.any[0].all[1].gte (2) must be lower than rules[4].when.any[0].all[1].lt (2)',
    ],
    [
      'an empty any',
      (f) => ((f.rules[4].when = { any: [] }), f),
      'rules[4].when.any must be a non-empty array of conditions, got an array',
    ],
    ['not with a list', (f) => ((f.rules[4].when = { not: [] }), f), 'rules[4].when.not must be a condition object'],
    [
      'not mixed with feature',
      (f) => ((f.rules[4].when = { not: { feature: 'new_account' }, feature: 'new_account' }), f),
      'rules[4].when has unknown key "feature"; allowed keys: not',
    ],
    [
      'a bad unless',
      (f) => ((f.rules[4].unless = { feature: 'account_in', list: 'vip' }), f),
      'rules[4].unless.list "vip" is not defined in lists',
    ],
    [
      'a sum as a number',
      (f) => ((f.rules[4].when.any[2].gte = 100), f),
      'rules[4].when.any[2].gte must be a decimal string of USD major units',
    ],
    [
      'a sum band that is empty',
      (f) => ((f.rules[4].when.any[2].lt = '100.00'), f),
      'rules[4].when.any[2].gte (100.00) must be lower than rules[4].when.any[2].lt (100.00)',
    ],
    [
      'a fractional count_24h',
      (f) => ((f.rules[4].when.any[3].lt = 2.5), f),
      'rules[4].when.any[3].lt must be a whole number of payments >= 1, got number 2.5',
    ],
    [
      'an age as a number',
      (f) => ((f.rules[4].when.any[5].gte = 90), f),
      'rules[4].when.any[5].gte must be a duration such as "90s", "10m", "1h" or "7d" (at most 3650d), got number 90',
    ],
    ['an age with a zero', (f) => ((f.rules[4].when.any[5].gte = '0s'), f), 'rules[4].when.any[5].gte must be a duration'],
    [
      'an age band that is empty',
      (f) => ((f.rules[4].when.any[5].lt = '90s'), f),
      'rules[4].when.any[5].gte (90s) must be shorter than rules[4].when.any[5].lt (90s)',
    ],
    [
      'an age without bounds',
      (f) => ((f.rules[4].when.any[5] = { feature: 'account_age' }), f),
      'rules[4].when.any[5] must have "gte", "lt" or both for feature account_age',
    ],
    [
      'a ratio as a number',
      (f) => ((f.rules[4].when.any[6].gte = 2.5), f),
      'rules[4].when.any[6].gte must be a positive decimal string such as "10" or "2.5", got number 2.5',
    ],
    ['a zero ratio', (f) => ((f.rules[4].when.any[6].gte = '0'), f), 'rules[4].when.any[6].gte must be a positive decimal string'],
    [
      'a ratio band that is empty',
      (f) => ((f.rules[4].when.any[6].lt = '2.50'), f),
      'rules[4].when.any[6].gte (2.5) must be lower than rules[4].when.any[6].lt (2.50)',
    ],
    [
      'an unknown statistic',
      (f) => ((f.rules[4].when.any[6].of = 'max'), f),
      'rules[4].when.any[6].of must be "median" or "mean", got string "max"',
    ],
    [
      'a ratio without bounds',
      (f) => ((f.rules[4].when.any[6] = { feature: 'amount_vs_history' }), f),
      'rules[4].when.any[6] must have "gte", "lt" or both for feature amount_vs_history',
    ],
    [
      'round with both forms',
      (f) => ((f.rules[4].when.any[7].multiple_of = '100'), f),
      'rules[4].when.any[7] must have exactly one of "multiple_of" and "max_significant_digits"',
    ],
    [
      'round with neither form',
      (f) => ((f.rules[4].when.any[7] = { feature: 'round_amount' }), f),
      'rules[4].when.any[7] must have exactly one of',
    ],
    [
      'zero significant digits',
      (f) => ((f.rules[4].when.any[7].max_significant_digits = 0), f),
      'rules[4].when.any[7].max_significant_digits must be a whole number from 1 to 15, got number 0',
    ],
    [
      'a corridor list entry that is not a corridor',
      (f) => ((f.lists.corridors = ['USD-IDR']), f),
      'lists.corridors[0] must be a corridor "FROM>TO" of ISO 4217 codes or *',
    ],
    ['a corridor of two wildcards', (f) => ((f.lists.corridors = ['*>*']), f), 'lists.corridors[0] must be a corridor'],
    ['a corridor with an unknown currency', (f) => ((f.lists.corridors = ['USD>XYZ']), f), 'lists.corridors[0] must be a corridor'],
    [
      'a currency list entry that is not a currency',
      (f) => ((f.lists.currencies = ['KPW', 'kp']), f),
      'lists.currencies[1] must be an ISO 4217 currency code (the list is read by currency_in), got "kp"',
    ],
  ];

  it.each(cases)('rejects %s', (_name, breakIt, message) => {
    const e = errorOf(breakIt(rich()));
    expect(e).toBeInstanceOf(RulesFileError);
    expect(e.message.startsWith(message)).toBe(true);
  });

  it('parses durations and corridors', () => {
    expect([parseDuration('90s'), parseDuration('10m'), parseDuration('1h'), parseDuration('7d')]).toEqual([90, 600, 3600, 604800]);
    for (const bad of ['', '0s', '1.5h', '1 h', '10', '-1m', 10, undefined]) expect(parseDuration(bad)).toBeUndefined();
    expect(parseCorridor('USD>IDR')).toEqual({ from: 'USD', to: 'IDR' });
    expect(parseCorridor('*>KPW')).toEqual({ from: '*', to: 'KPW' });
    for (const bad of ['*>*', 'usd>IDR', 'USD>', 'USD>IDR>EUR', 'XYZ>USD']) expect(parseCorridor(bad)).toBeUndefined();
  });
});
