import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRulesFile, RulesFileError, type RulesFile } from './rules';

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
      { code: 'HIGH', weight: 50, when: { feature: 'amount_ref', gte: '5000.00' } },
      { code: 'FAST', weight: 30, when: { feature: 'count_1m', gte: 10 } },
      {
        code: 'COMBO',
        weight: 10,
        description: 'round and new',
        when: { all: [{ feature: 'round_amount', multiple_of: '1000', min_amount_ref: '1000.00' }, { feature: 'new_destination' }] },
      },
      { code: 'BLOCKED', weight: 100, when: { feature: 'account_in', list: 'blocked' } },
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
    expect(rules.version).toBe('2026-11-25.1');
    expect(rules.reference_currency).toBe('USD');
    expect(rules.thresholds).toEqual({ review: 50, decline: 80 });
    expect(rules.lists).toEqual({ blocked_accounts: ['ACC_BLOCKED_001', 'ACC_BLOCKED_002'] });
    expect(Object.fromEntries(rules.rules.map((r) => [r.code, r.weight]))).toEqual({
      HIGH_AMOUNT: 50,
      VERY_HIGH_AMOUNT: 40,
      VELOCITY_1M: 30,
      VELOCITY_1H: 20,
      NEW_DESTINATION: 5,
      ROUND_AMOUNT: 15,
      UNPRICED_CURRENCY: 20,
      BLOCKED_ACCOUNT: 100,
      BLOCKED_DESTINATION: 100,
    });
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
    expect(parseRulesFile(raw)).toEqual({ ...raw, lists: {} });
  });

  it('and copies only what it validated (the input is not frozen or shared)', () => {
    const raw = valid();
    const parsed: RulesFile = parseRulesFile(raw);
    expect(parsed).toEqual(raw);
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
      'rules file has unknown key "extra"; allowed keys: version, reference_currency, thresholds, lists, rules',
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
      'rules[1] has unknown key "enabled"; allowed keys: code, weight, description, when',
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
      'rules[0].when.feature "amount_eur" is not a known condition kind; expected one of amount_ref, amount_ref_unknown, count_1m, count_1h, new_destination, round_amount, account_in, destination_in, or "all"',
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
    ['a missing count', (f) => ((f.rules[1].when = { feature: 'count_1h' }), f), 'rules[1].when.gte is required'],
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
    ['a missing multiple_of', (f) => (delete f.rules[2].when.all[0].multiple_of, f), 'rules[2].when.all[0].multiple_of is required'],
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
      `rules[2].when${'.all[0]'.repeat(7)}.all nests "all" more than 8 levels deep`,
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
    expect(e.message.length).toBeLessThan(400);
  });
});
