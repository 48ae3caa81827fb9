import { MoneyError, isCurrencyCode, parseAmount } from '@paygate/money';

/**
 * Risk rules as data: a versioned JSON file of weighted rules. Each rule has a
 * `code` (the reason reported when it fires), a `weight` (0..100) and a `when`
 * condition. Conditions are plain JSON (no expressions, no code):
 *
 *   { "feature": "amount_ref", "gte": "5000.00" }                      amount in the reference currency >= 5,000.00
 *   { "feature": "amount_ref", "gte": "1000.00", "lt": "5000.00" }     ... and/or < an upper bound
 *   { "feature": "amount_ref_unknown" }                                no FX rate was available to normalise the amount
 *   { "feature": "count_1m", "gte": 10 }                               >= 10 earlier payments by this account in the last minute
 *   { "feature": "count_1h", "gte": 100 }                              >= 100 in the last hour
 *   { "feature": "new_destination" }                                  the account has never paid this destination
 *   { "feature": "round_amount", "multiple_of": "1000", "min_amount_ref": "1000.00" }
 *                                                                       amount is a whole multiple of 1000 major units of its own
 *                                                                       currency (and optionally worth at least 1,000.00 reference)
 *   { "feature": "account_in", "list": "blocked_accounts" }            the paying account is on a named list from `lists`
 *   { "feature": "destination_in", "list": "blocked_accounts" }        the destination is on a named list
 *   { "all": [ <condition>, ... ] }                                    every sub-condition holds
 *
 * Amount bounds are decimal strings in major units of `reference_currency`,
 * parsed exactly with `parseAmount` (so "5000.001" is rejected for USD); JSON
 * numbers are never accepted for amounts. Unknown keys are rejected everywhere.
 */

export interface AmountRefCondition {
  feature: 'amount_ref';
  /** Fires when the reference amount is at least this (decimal string, reference major units). */
  gte?: string;
  /** Fires when the reference amount is below this (decimal string, reference major units). */
  lt?: string;
}
export interface AmountRefUnknownCondition {
  feature: 'amount_ref_unknown';
}
export interface CountCondition {
  feature: 'count_1m' | 'count_1h';
  /** Integer >= 1. */
  gte: number;
}
export interface NewDestinationCondition {
  feature: 'new_destination';
}
export interface RoundAmountCondition {
  feature: 'round_amount';
  /** Positive decimal string N: the amount must be a whole multiple of N major units of its own currency. */
  multiple_of: string;
  /** Optional: the reference amount must also be at least this (decimal string, reference major units). */
  min_amount_ref?: string;
}
export interface ListCondition {
  feature: 'account_in' | 'destination_in';
  /** Name of a list in the file's `lists`. */
  list: string;
}
export interface AllCondition {
  all: Condition[];
}
export type FeatureCondition =
  AmountRefCondition | AmountRefUnknownCondition | CountCondition | NewDestinationCondition | RoundAmountCondition | ListCondition;
export type Condition = FeatureCondition | AllCondition;
export type ConditionFeature = FeatureCondition['feature'];

export interface Rule {
  /** Reason code reported when the rule fires: upper-case letters, digits and `_`, unique in the file. */
  code: string;
  /** Integer 0..100 added to the score when the rule fires. */
  weight: number;
  /** Optional note for people reading the file; not used by the engine. */
  description?: string;
  when: Condition;
}

export interface RulesFile {
  version: string;
  reference_currency: string;
  thresholds: { review: number; decline: number };
  lists: Record<string, string[]>;
  rules: Rule[];
}

/** Condition kinds, in the order they are listed in error messages. */
export const CONDITION_FEATURES: readonly ConditionFeature[] = Object.freeze([
  'amount_ref',
  'amount_ref_unknown',
  'count_1m',
  'count_1h',
  'new_destination',
  'round_amount',
  'account_in',
  'destination_in',
]);

/** Scores are capped at this; weights and thresholds live in 0..MAX_SCORE. */
export const MAX_SCORE = 100;
/** Deepest nesting of `all` conditions accepted (a guard against hostile files, not a design limit). */
export const MAX_CONDITION_DEPTH = 8;

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$/;
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const LIST_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_LIST_ENTRY_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 1000;
/** Positive plain decimal (no sign, no exponent, no leading zeros); zero is rejected separately. */
const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const MAX_DECIMAL_LENGTH = 40;

/** A rules file was rejected; `path` names the offending field, e.g. `rules[2].when.gte`. */
export class RulesFileError extends Error {
  override readonly name = 'RulesFileError';

  constructor(
    /** Path of the offending field (`''` for the file itself). */
    readonly path: string,
    /** What is wrong with it. */
    readonly problem: string,
    /** Where the file came from (a file name), when the caller said. */
    readonly source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}${path || 'rules file'} ${problem}`);
  }
}

/**
 * Validate a parsed-JSON value as a rules file and return a clean, deeply frozen
 * copy (only known keys; `lists` defaults to `{}`).
 *
 * @param raw    the value from `JSON.parse`
 * @param source where it came from, prefixed to error messages (e.g. `rules/default.rules.json`)
 * @throws RulesFileError naming the first offending field
 */
export function parseRulesFile(raw: unknown, source?: string): RulesFile {
  return deepFreeze(new Parser(source).file(raw));
}

class Parser {
  constructor(private readonly source: string | undefined) {}

  private fail(path: string, problem: string): never {
    throw new RulesFileError(path, problem, this.source);
  }

  file(raw: unknown): RulesFile {
    const o = this.object(
      raw,
      '',
      ['version', 'reference_currency', 'thresholds', 'lists', 'rules'],
      ['version', 'reference_currency', 'thresholds', 'rules'],
    );

    if (typeof o.version !== 'string' || !VERSION_PATTERN.test(o.version)) {
      this.fail(
        'version',
        `must be a non-empty string of letters, digits and . _ : + - (at most 64 characters, such as "2026-11-25.1"), got ${describe(o.version)}`,
      );
    }
    const version = o.version;

    if (!isCurrencyCode(o.reference_currency)) {
      this.fail('reference_currency', `must be an ISO 4217 currency code such as "USD", got ${describe(o.reference_currency)}`);
    }
    const ref = o.reference_currency;

    const t = this.object(o.thresholds, 'thresholds', ['review', 'decline'], ['review', 'decline']);
    const review = this.score(t.review, 'thresholds.review', 1);
    const decline = this.score(t.decline, 'thresholds.decline', 1);
    if (review >= decline) {
      this.fail('thresholds.review', `(${review}) must be lower than thresholds.decline (${decline})`);
    }

    const lists = this.lists(o.lists);

    if (!Array.isArray(o.rules)) this.fail('rules', `must be an array of rules, got ${describe(o.rules)}`);
    const codes = new Map<string, number>();
    const rules = o.rules.map((r, i) => {
      const rule = this.rule(r, `rules[${i}]`, ref, lists);
      const previous = codes.get(rule.code);
      if (previous !== undefined)
        this.fail(`rules[${i}].code`, `"${rule.code}" duplicates rules[${previous}].code; rule codes must be unique`);
      codes.set(rule.code, i);
      return rule;
    });

    return { version, reference_currency: ref, thresholds: { review, decline }, lists, rules };
  }

  private lists(raw: unknown): Record<string, string[]> {
    const lists: Record<string, string[]> = {};
    if (raw === undefined) return lists;
    if (!isPlainObject(raw)) this.fail('lists', `must be an object mapping list names to arrays of strings, got ${describe(raw)}`);
    for (const [name, entries] of Object.entries(raw)) {
      if (!LIST_NAME_PATTERN.test(name)) {
        this.fail('lists', `has an invalid list name ${quote(name)}; names are lower-case letters, digits and _ starting with a letter`);
      }
      const path = `lists.${name}`;
      if (!Array.isArray(entries)) this.fail(path, `must be an array of strings, got ${describe(entries)}`);
      const seen = new Set<string>();
      lists[name] = entries.map((entry, i) => {
        if (typeof entry !== 'string' || entry === '' || entry.length > MAX_LIST_ENTRY_LENGTH) {
          this.fail(`${path}[${i}]`, `must be a non-empty string (at most ${MAX_LIST_ENTRY_LENGTH} characters), got ${describe(entry)}`);
        }
        if (seen.has(entry)) this.fail(`${path}[${i}]`, `${quote(entry)} is listed twice`);
        seen.add(entry);
        return entry;
      });
    }
    return lists;
  }

  private rule(raw: unknown, path: string, ref: string, lists: Record<string, string[]>): Rule {
    const o = this.object(raw, path, ['code', 'weight', 'description', 'when'], ['code', 'weight', 'when']);
    if (typeof o.code !== 'string' || !CODE_PATTERN.test(o.code)) {
      this.fail(
        `${path}.code`,
        `must be upper-case letters, digits and _ starting with a letter (at most 64 characters), such as "HIGH_AMOUNT", got ${describe(o.code)}`,
      );
    }
    const weight = this.score(o.weight, `${path}.weight`, 0);
    const rule: Rule = { code: o.code, weight, when: this.condition(o.when, `${path}.when`, ref, lists, 1) };
    if (o.description !== undefined) {
      if (typeof o.description !== 'string' || o.description.length > MAX_DESCRIPTION_LENGTH) {
        this.fail(
          `${path}.description`,
          `must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters, got ${describe(o.description)}`,
        );
      }
      rule.description = o.description;
    }
    return rule;
  }

  private condition(raw: unknown, path: string, ref: string, lists: Record<string, string[]>, depth: number): Condition {
    if (!isPlainObject(raw))
      this.fail(path, `must be a condition object such as {"feature": "amount_ref", "gte": "5000.00"}, got ${describe(raw)}`);

    if (Object.hasOwn(raw, 'all')) {
      this.object(raw, path, ['all'], ['all']);
      if (depth >= MAX_CONDITION_DEPTH) this.fail(`${path}.all`, `nests "all" more than ${MAX_CONDITION_DEPTH} levels deep`);
      if (!Array.isArray(raw.all) || raw.all.length === 0) {
        this.fail(`${path}.all`, `must be a non-empty array of conditions, got ${describe(raw.all)}`);
      }
      return { all: raw.all.map((c, i) => this.condition(c, `${path}.all[${i}]`, ref, lists, depth + 1)) };
    }

    const feature = raw.feature;
    if (feature === undefined) this.fail(path, `must have either "feature" (one of ${CONDITION_FEATURES.join(', ')}) or "all"`);
    if (typeof feature !== 'string') this.fail(`${path}.feature`, `must be a string naming a condition kind, got ${describe(feature)}`);
    if (!(CONDITION_FEATURES as readonly string[]).includes(feature)) {
      this.fail(
        `${path}.feature`,
        `${quote(feature)} is not a known condition kind; expected one of ${CONDITION_FEATURES.join(', ')}, or "all"`,
      );
    }

    switch (feature as ConditionFeature) {
      case 'amount_ref': {
        const o = this.object(raw, path, ['feature', 'gte', 'lt'], ['feature']);
        if (o.gte === undefined && o.lt === undefined) this.fail(path, 'must have "gte", "lt" or both for feature amount_ref');
        const c: AmountRefCondition = { feature: 'amount_ref' };
        const gte = o.gte === undefined ? undefined : this.amount(o.gte, `${path}.gte`, ref);
        const lt = o.lt === undefined ? undefined : this.amount(o.lt, `${path}.lt`, ref);
        if (gte !== undefined && lt !== undefined && gte >= lt) {
          this.fail(`${path}.gte`, `(${String(o.gte)}) must be lower than ${path}.lt (${String(o.lt)}), or the condition can never hold`);
        }
        if (o.gte !== undefined) c.gte = o.gte as string;
        if (o.lt !== undefined) c.lt = o.lt as string;
        return c;
      }
      case 'count_1m':
      case 'count_1h': {
        const o = this.object(raw, path, ['feature', 'gte'], ['feature', 'gte']);
        if (typeof o.gte !== 'number' || !Number.isSafeInteger(o.gte) || o.gte < 1) {
          this.fail(`${path}.gte`, `must be a whole number of payments >= 1, got ${describe(o.gte)}`);
        }
        return { feature: feature as CountCondition['feature'], gte: o.gte };
      }
      case 'amount_ref_unknown':
      case 'new_destination':
        this.object(raw, path, ['feature'], ['feature']);
        return { feature: feature as 'amount_ref_unknown' | 'new_destination' };
      case 'round_amount': {
        const o = this.object(raw, path, ['feature', 'multiple_of', 'min_amount_ref'], ['feature', 'multiple_of']);
        if (parsePositiveDecimal(o.multiple_of) === undefined) {
          this.fail(
            `${path}.multiple_of`,
            `must be a positive decimal string of major units such as "1000" (no sign, exponent or leading zeros), got ${describe(o.multiple_of)}`,
          );
        }
        const c: RoundAmountCondition = { feature: 'round_amount', multiple_of: o.multiple_of as string };
        if (o.min_amount_ref !== undefined) {
          this.amount(o.min_amount_ref, `${path}.min_amount_ref`, ref);
          c.min_amount_ref = o.min_amount_ref as string;
        }
        return c;
      }
      case 'account_in':
      case 'destination_in': {
        const o = this.object(raw, path, ['feature', 'list'], ['feature', 'list']);
        if (typeof o.list !== 'string') this.fail(`${path}.list`, `must be the name of a list in "lists", got ${describe(o.list)}`);
        if (!Object.hasOwn(lists, o.list)) {
          const known = Object.keys(lists);
          this.fail(`${path}.list`, `${quote(o.list)} is not defined in lists (defined: ${known.length ? known.join(', ') : 'none'})`);
        }
        return { feature: feature as ListCondition['feature'], list: o.list };
      }
    }
  }

  /** An object with only `allowed` keys and all `required` ones. */
  private object(raw: unknown, path: string, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
    if (!isPlainObject(raw)) this.fail(path, `must be a JSON object, got ${describe(raw)}`);
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) this.fail(path, `has unknown key ${quote(key)}; allowed keys: ${allowed.join(', ')}`);
    }
    for (const key of required) {
      if (raw[key] === undefined) this.fail(path ? `${path}.${key}` : key, 'is required');
    }
    return raw;
  }

  /** Integer in min..MAX_SCORE. */
  private score(raw: unknown, path: string, min: number): number {
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > MAX_SCORE) {
      this.fail(path, `must be a whole number from ${min} to ${MAX_SCORE}, got ${describe(raw)}`);
    }
    return raw;
  }

  /** A positive decimal string in reference major units, as exact minor units. */
  private amount(raw: unknown, path: string, ref: string): bigint {
    if (typeof raw !== 'string') {
      this.fail(
        path,
        `must be a decimal string of ${ref} major units such as "5000.00" (JSON numbers are not accepted), got ${describe(raw)}`,
      );
    }
    try {
      return parseAmount(raw, ref);
    } catch (e) {
      if (e instanceof MoneyError) this.fail(path, `is not a valid ${ref} amount: ${e.message}`);
      throw e;
    }
  }
}

/**
 * A positive plain decimal string as `value × 10^-scale` (`"12.50"` → 1250n, 2), or
 * undefined if `raw` is not one. Used for `round_amount.multiple_of`, which is in the
 * payment's own currency and so cannot be checked against a currency's exponent here.
 */
export function parsePositiveDecimal(raw: unknown): { value: bigint; scale: number } | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_DECIMAL_LENGTH) return undefined;
  const m = PLAIN_DECIMAL.exec(raw);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  const value = BigInt(m[1] + fraction);
  return value > 0n ? { value, scale: fraction.length } : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_ECHO = 48;

/** JSON-quoted and truncated, so odd input cannot bloat or forge messages. */
function quote(value: string): string {
  return JSON.stringify(value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value);
}

/** "number 5000.5", "string \"x\"", "null", "array", "object", "nothing". */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${quote(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
