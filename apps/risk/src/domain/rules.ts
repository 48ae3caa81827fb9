import { MoneyError, isCurrencyCode, parseAmount } from '@paygate/money';

/**
 * Risk rules as data: a versioned JSON file of weighted rules. Each rule has a `code` (the
 * reason code reported when it fires), a `weight` (0..100), a readable `reason`, a `when`
 * condition and optionally an `unless` condition (e.g. an allow list). Conditions are plain
 * JSON over named features (no expressions, no code). The format is documented in
 * `apps/risk/rules/README.md`; in short:
 *
 *   numeric features, with "gte" (at least) and/or "lt" (below):
 *     amount_ref, sum_1m, sum_1h, sum_24h     decimal strings in reference-currency major units ("5000.00")
 *     count_1m, count_1h, count_24h           whole numbers of earlier payments by the account
 *     history_count                           earlier priced payments in the account's history sample
 *     account_age                             durations ("90s", "10m", "1h", "7d") since risk first saw the account
 *     band_count + "band"                     earlier payments in a named amount band within its window
 *     amount_vs_history (+ "of": median|mean) the amount as a multiple of the history's median or mean ("10", "2.5")
 *   flags: amount_ref_unknown, new_destination, new_account, cross_currency
 *   in_band + "band"                          this amount lies in the named amount band
 *   round_amount                              "multiple_of" (own currency major units) or "max_significant_digits",
 *                                             optionally "min_amount_ref"
 *   lists: account_in, destination_in, currency_in, corridor_in + "list"
 *   combinators: {"all": [...]}, {"any": [...]}, {"not": {...}}
 *
 * Amounts are decimal strings parsed exactly with `parseAmount` (JSON numbers are never
 * accepted for amounts or ratios). Unknown keys are rejected everywhere, and every error
 * names the offending field's path.
 */

export const AMOUNT_FEATURES = ['amount_ref', 'sum_1m', 'sum_1h', 'sum_24h'] as const;
export const COUNT_FEATURES = ['count_1m', 'count_1h', 'count_24h', 'history_count'] as const;
export const FLAG_FEATURES = ['amount_ref_unknown', 'new_destination', 'new_account', 'cross_currency'] as const;
export const LIST_FEATURES = ['account_in', 'destination_in', 'currency_in', 'corridor_in'] as const;

export type AmountFeature = (typeof AMOUNT_FEATURES)[number];
export type CountFeature = (typeof COUNT_FEATURES)[number];
export type FlagFeature = (typeof FLAG_FEATURES)[number];
export type ListFeature = (typeof LIST_FEATURES)[number];

/** A numeric feature within bounds: at least `gte` and/or below `lt`. */
export interface AmountCondition {
  feature: AmountFeature;
  /** Decimal string, reference-currency major units. */
  gte?: string;
  lt?: string;
}
export interface CountCondition {
  feature: CountFeature;
  gte?: number;
  lt?: number;
}
export interface AccountAgeCondition {
  feature: 'account_age';
  /** Duration such as "10m", "1h", "7d". */
  gte?: string;
  lt?: string;
}
export interface BandCountCondition {
  feature: 'band_count';
  /** Name of a band in `features.amount_bands`. */
  band: string;
  gte?: number;
  lt?: number;
}
export interface InBandCondition {
  feature: 'in_band';
  band: string;
}
export interface HistoryRatioCondition {
  feature: 'amount_vs_history';
  /** The statistic of the account's history sample the amount is compared with (default median). */
  of?: 'median' | 'mean';
  /** Positive decimal strings: the amount is at least / below this multiple of the statistic. */
  gte?: string;
  lt?: string;
}
export interface FlagCondition {
  feature: FlagFeature;
}
export interface RoundAmountCondition {
  feature: 'round_amount';
  /** Positive decimal string N: the amount is a whole multiple of N major units of its own currency. */
  multiple_of?: string;
  /** The amount is whole (no minor units) with at most this many significant digits (3,400.00 has 2). */
  max_significant_digits?: number;
  /** Optional: the reference amount must also be at least this (decimal string, reference major units). */
  min_amount_ref?: string;
}
export interface ListCondition {
  feature: ListFeature;
  /** Name of a list in the file's `lists`. */
  list: string;
}
export interface AllCondition {
  all: Condition[];
}
export interface AnyCondition {
  any: Condition[];
}
export interface NotCondition {
  not: Condition;
}
export type FeatureCondition =
  | AmountCondition
  | CountCondition
  | AccountAgeCondition
  | BandCountCondition
  | InBandCondition
  | HistoryRatioCondition
  | FlagCondition
  | RoundAmountCondition
  | ListCondition;
export type Condition = FeatureCondition | AllCondition | AnyCondition | NotCondition;
export type ConditionFeature = FeatureCondition['feature'];

export interface Rule {
  /** Reason code reported when the rule fires: upper-case letters, digits and `_`, unique in the file. */
  code: string;
  /** Integer 0..100 added to the score when the rule fires. */
  weight: number;
  /** Readable reason, the start of the reported detail (e.g. "Several payments just under the review threshold"). */
  reason: string;
  /** Optional longer note for people reading the file; not used by the engine. */
  description?: string;
  when: Condition;
  /** The rule does not fire when this holds (e.g. the account is on an allow list). */
  unless?: Condition;
}

/** An amount band: reference amounts at least `gte` and below `lt`, counted over `window`. */
export interface AmountBand {
  gte?: string;
  lt?: string;
  /** Duration, at most MAX_BAND_WINDOW. */
  window: string;
}

export interface FeatureSettings {
  /** How many of the account's latest priced payments form its history sample (amount_vs_history). */
  history_size: number;
  amount_bands: Record<string, AmountBand>;
}

export interface RulesFile {
  version: string;
  reference_currency: string;
  thresholds: { review: number; decline: number };
  lists: Record<string, string[]>;
  features: FeatureSettings;
  rules: Rule[];
}

/** Condition kinds, in the order they are listed in error messages. */
export const CONDITION_FEATURES: readonly ConditionFeature[] = Object.freeze([
  ...AMOUNT_FEATURES,
  ...COUNT_FEATURES,
  'account_age',
  'band_count',
  'in_band',
  'amount_vs_history',
  ...FLAG_FEATURES,
  'round_amount',
  ...LIST_FEATURES,
]);

/** Scores are capped at this; weights and thresholds live in 0..MAX_SCORE. */
export const MAX_SCORE = 100;
/** Deepest nesting of all/any/not accepted (a guard against hostile files, not a design limit). */
export const MAX_CONDITION_DEPTH = 8;
/** Default and bounds of `features.history_size`. */
export const DEFAULT_HISTORY_SIZE = 20;
export const MAX_HISTORY_SIZE = 100;
/** Longest band window: velocity lives in PostgreSQL and each score scans at most this far back. */
export const MAX_BAND_WINDOW_SECONDS = 7 * 86_400;
/** Longest account_age bound. */
export const MAX_AGE_SECONDS = 3650 * 86_400;
export const MAX_SIGNIFICANT_DIGITS = 15;

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$/;
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const CORRIDOR_PATTERN = /^([A-Z]{3}|\*)>([A-Z]{3}|\*)$/;
const DURATION_PATTERN = /^([1-9][0-9]{0,6})(s|m|h|d)$/;
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_LIST_ENTRY_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 1000;
const MAX_REASON_LENGTH = 200;
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
 * Validate a parsed-JSON value as a rules file and return a clean, deeply frozen copy (only
 * known keys; `lists` defaults to `{}`, `features` to a history of 20 payments and no bands).
 *
 * @param raw    the value from `JSON.parse`
 * @param source where it came from, prefixed to error messages (e.g. `rules/default.rules.json`)
 * @throws RulesFileError naming the first offending field
 */
export function parseRulesFile(raw: unknown, source?: string): RulesFile {
  return deepFreeze(new Parser(source).file(raw));
}

/** Seconds in a duration string such as "90s", "10m", "1h", "7d"; undefined when it is not one. */
export function parseDuration(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = DURATION_PATTERN.exec(raw);
  return m ? Number(m[1]) * DURATION_UNITS[m[2]] : undefined;
}

/** A corridor list entry `FROM>TO` (ISO codes or `*`), or undefined when it is not one. */
export function parseCorridor(entry: string): { from: string; to: string } | undefined {
  const m = CORRIDOR_PATTERN.exec(entry);
  if (!m) return undefined;
  const [, from, to] = m;
  if (from === '*' && to === '*') return undefined;
  if ((from !== '*' && !isCurrencyCode(from)) || (to !== '*' && !isCurrencyCode(to))) return undefined;
  return { from, to };
}

type Lists = Record<string, string[]>;
type Bands = Record<string, AmountBand>;

class Parser {
  constructor(private readonly source: string | undefined) {}

  private fail(path: string, problem: string): never {
    throw new RulesFileError(path, problem, this.source);
  }

  file(raw: unknown): RulesFile {
    const o = this.object(
      raw,
      '',
      ['version', 'reference_currency', 'thresholds', 'lists', 'features', 'rules'],
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
    const features = this.features(o.features, ref);

    if (!Array.isArray(o.rules)) this.fail('rules', `must be an array of rules, got ${describe(o.rules)}`);
    const codes = new Map<string, number>();
    const rules = o.rules.map((r, i) => {
      const rule = this.rule(r, `rules[${i}]`, ref, lists, features.amount_bands);
      const previous = codes.get(rule.code);
      if (previous !== undefined)
        this.fail(`rules[${i}].code`, `"${rule.code}" duplicates rules[${previous}].code; rule codes must be unique`);
      codes.set(rule.code, i);
      return rule;
    });

    return { version, reference_currency: ref, thresholds: { review, decline }, lists, features, rules };
  }

  private lists(raw: unknown): Lists {
    const lists: Lists = {};
    if (raw === undefined) return lists;
    if (!isPlainObject(raw)) this.fail('lists', `must be an object mapping list names to arrays of strings, got ${describe(raw)}`);
    for (const [name, entries] of Object.entries(raw)) {
      if (!NAME_PATTERN.test(name)) {
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

  private features(raw: unknown, ref: string): FeatureSettings {
    const settings: FeatureSettings = { history_size: DEFAULT_HISTORY_SIZE, amount_bands: {} };
    if (raw === undefined) return settings;
    const o = this.object(raw, 'features', ['history_size', 'amount_bands'], []);
    if (o.history_size !== undefined) {
      if (
        typeof o.history_size !== 'number' ||
        !Number.isInteger(o.history_size) ||
        o.history_size < 1 ||
        o.history_size > MAX_HISTORY_SIZE
      ) {
        this.fail(
          'features.history_size',
          `must be a whole number of payments from 1 to ${MAX_HISTORY_SIZE}, got ${describe(o.history_size)}`,
        );
      }
      settings.history_size = o.history_size;
    }
    if (o.amount_bands !== undefined) {
      if (!isPlainObject(o.amount_bands)) {
        this.fail('features.amount_bands', `must be an object mapping band names to {gte, lt, window}, got ${describe(o.amount_bands)}`);
      }
      for (const [name, band] of Object.entries(o.amount_bands)) {
        if (!NAME_PATTERN.test(name)) {
          this.fail(
            'features.amount_bands',
            `has an invalid band name ${quote(name)}; names are lower-case letters, digits and _ starting with a letter`,
          );
        }
        const path = `features.amount_bands.${name}`;
        const b = this.object(band, path, ['gte', 'lt', 'window'], ['window']);
        const [gte, lt] = this.amountBounds(b, path, ref);
        const window = parseDuration(b.window);
        if (window === undefined || window > MAX_BAND_WINDOW_SECONDS) {
          this.fail(`${path}.window`, `must be a duration such as "10m", "1h" or "24h", at most 7d, got ${describe(b.window)}`);
        }
        const out: AmountBand = { window: b.window as string };
        if (gte !== undefined) out.gte = gte;
        if (lt !== undefined) out.lt = lt;
        settings.amount_bands[name] = out;
      }
    }
    return settings;
  }

  private rule(raw: unknown, path: string, ref: string, lists: Lists, bands: Bands): Rule {
    const o = this.object(raw, path, ['code', 'weight', 'reason', 'description', 'when', 'unless'], ['code', 'weight', 'reason', 'when']);
    if (typeof o.code !== 'string' || !CODE_PATTERN.test(o.code)) {
      this.fail(
        `${path}.code`,
        `must be upper-case letters, digits and _ starting with a letter (at most 64 characters), such as "HIGH_AMOUNT", got ${describe(o.code)}`,
      );
    }
    const weight = this.score(o.weight, `${path}.weight`, 0);
    if (typeof o.reason !== 'string' || o.reason.trim() === '' || o.reason.length > MAX_REASON_LENGTH) {
      this.fail(`${path}.reason`, `must be a readable sentence of 1 to ${MAX_REASON_LENGTH} characters, got ${describe(o.reason)}`);
    }
    const rule: Rule = {
      code: o.code,
      weight,
      reason: o.reason,
      when: this.condition(o.when, `${path}.when`, ref, lists, bands, 1),
    };
    if (o.description !== undefined) {
      if (typeof o.description !== 'string' || o.description.length > MAX_DESCRIPTION_LENGTH) {
        this.fail(
          `${path}.description`,
          `must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters, got ${describe(o.description)}`,
        );
      }
      rule.description = o.description;
    }
    if (o.unless !== undefined) rule.unless = this.condition(o.unless, `${path}.unless`, ref, lists, bands, 1);
    return rule;
  }

  private condition(raw: unknown, path: string, ref: string, lists: Lists, bands: Bands, depth: number): Condition {
    if (!isPlainObject(raw))
      this.fail(path, `must be a condition object such as {"feature": "amount_ref", "gte": "5000.00"}, got ${describe(raw)}`);

    for (const combinator of ['all', 'any'] as const) {
      if (!Object.hasOwn(raw, combinator)) continue;
      this.object(raw, path, [combinator], [combinator]);
      if (depth >= MAX_CONDITION_DEPTH) this.fail(`${path}.${combinator}`, `nests conditions more than ${MAX_CONDITION_DEPTH} levels deep`);
      const parts = raw[combinator];
      if (!Array.isArray(parts) || parts.length === 0) {
        this.fail(`${path}.${combinator}`, `must be a non-empty array of conditions, got ${describe(parts)}`);
      }
      const subs = parts.map((c, i) => this.condition(c, `${path}.${combinator}[${i}]`, ref, lists, bands, depth + 1));
      return combinator === 'all' ? { all: subs } : { any: subs };
    }
    if (Object.hasOwn(raw, 'not')) {
      this.object(raw, path, ['not'], ['not']);
      if (depth >= MAX_CONDITION_DEPTH) this.fail(`${path}.not`, `nests conditions more than ${MAX_CONDITION_DEPTH} levels deep`);
      return { not: this.condition(raw.not, `${path}.not`, ref, lists, bands, depth + 1) };
    }

    const feature = raw.feature;
    if (feature === undefined) {
      this.fail(path, `must have either "feature" (one of ${CONDITION_FEATURES.join(', ')}) or "all", "any" or "not"`);
    }
    if (typeof feature !== 'string') this.fail(`${path}.feature`, `must be a string naming a condition kind, got ${describe(feature)}`);
    if (!(CONDITION_FEATURES as readonly string[]).includes(feature)) {
      this.fail(
        `${path}.feature`,
        `${quote(feature)} is not a known condition kind; expected one of ${CONDITION_FEATURES.join(', ')}, or "all", "any", "not"`,
      );
    }
    const f = feature as ConditionFeature;

    if (isOneOf(AMOUNT_FEATURES, f)) {
      const o = this.object(raw, path, ['feature', 'gte', 'lt'], ['feature']);
      const [gte, lt] = this.amountBounds(o, path, ref);
      return withBounds({ feature: f }, gte, lt);
    }
    if (isOneOf(COUNT_FEATURES, f)) {
      const o = this.object(raw, path, ['feature', 'gte', 'lt'], ['feature']);
      const [gte, lt] = this.countBounds(o, path, f);
      return withBounds({ feature: f }, gte, lt);
    }
    if (isOneOf(FLAG_FEATURES, f)) {
      this.object(raw, path, ['feature'], ['feature']);
      return { feature: f };
    }
    if (isOneOf(LIST_FEATURES, f)) {
      const o = this.object(raw, path, ['feature', 'list'], ['feature', 'list']);
      if (typeof o.list !== 'string') this.fail(`${path}.list`, `must be the name of a list in "lists", got ${describe(o.list)}`);
      if (!Object.hasOwn(lists, o.list)) {
        const known = Object.keys(lists);
        this.fail(`${path}.list`, `${quote(o.list)} is not defined in lists (defined: ${known.length ? known.join(', ') : 'none'})`);
      }
      this.listEntries(f, o.list, lists[o.list]);
      return { feature: f, list: o.list };
    }

    switch (f) {
      case 'account_age': {
        const o = this.object(raw, path, ['feature', 'gte', 'lt'], ['feature']);
        if (o.gte === undefined && o.lt === undefined) this.fail(path, 'must have "gte", "lt" or both for feature account_age');
        const bound = (key: 'gte' | 'lt'): number | undefined => {
          if (o[key] === undefined) return undefined;
          const s = parseDuration(o[key]);
          if (s === undefined || s > MAX_AGE_SECONDS) {
            this.fail(`${path}.${key}`, `must be a duration such as "90s", "10m", "1h" or "7d" (at most 3650d), got ${describe(o[key])}`);
          }
          return s;
        };
        const [gte, lt] = [bound('gte'), bound('lt')];
        if (gte !== undefined && lt !== undefined && gte >= lt) {
          this.fail(`${path}.gte`, `(${String(o.gte)}) must be shorter than ${path}.lt (${String(o.lt)}), or the condition can never hold`);
        }
        return withBounds({ feature: 'account_age' }, o.gte as string | undefined, o.lt as string | undefined);
      }
      case 'band_count': {
        const o = this.object(raw, path, ['feature', 'band', 'gte', 'lt'], ['feature', 'band']);
        const band = this.band(o.band, `${path}.band`, bands);
        const [gte, lt] = this.countBounds(o, path, f);
        return withBounds({ feature: 'band_count', band }, gte, lt);
      }
      case 'in_band': {
        const o = this.object(raw, path, ['feature', 'band'], ['feature', 'band']);
        return { feature: 'in_band', band: this.band(o.band, `${path}.band`, bands) };
      }
      case 'amount_vs_history': {
        const o = this.object(raw, path, ['feature', 'of', 'gte', 'lt'], ['feature']);
        if (o.of !== undefined && o.of !== 'median' && o.of !== 'mean') {
          this.fail(`${path}.of`, `must be "median" or "mean", got ${describe(o.of)}`);
        }
        if (o.gte === undefined && o.lt === undefined) this.fail(path, 'must have "gte", "lt" or both for feature amount_vs_history');
        const ratio = (key: 'gte' | 'lt'): { value: bigint; scale: number } | undefined => {
          if (o[key] === undefined) return undefined;
          const r = parsePositiveDecimal(o[key]);
          if (!r) this.fail(`${path}.${key}`, `must be a positive decimal string such as "10" or "2.5", got ${describe(o[key])}`);
          return r;
        };
        const [gte, lt] = [ratio('gte'), ratio('lt')];
        if (gte && lt && compareScaled(gte, lt) >= 0) {
          this.fail(`${path}.gte`, `(${String(o.gte)}) must be lower than ${path}.lt (${String(o.lt)}), or the condition can never hold`);
        }
        const c: HistoryRatioCondition = withBounds(
          { feature: 'amount_vs_history' },
          o.gte as string | undefined,
          o.lt as string | undefined,
        );
        if (o.of !== undefined) c.of = o.of;
        return c;
      }
      case 'round_amount': {
        const o = this.object(raw, path, ['feature', 'multiple_of', 'max_significant_digits', 'min_amount_ref'], ['feature']);
        if ((o.multiple_of === undefined) === (o.max_significant_digits === undefined)) {
          this.fail(path, 'must have exactly one of "multiple_of" and "max_significant_digits" for feature round_amount');
        }
        const c: RoundAmountCondition = { feature: 'round_amount' };
        if (o.multiple_of !== undefined) {
          if (parsePositiveDecimal(o.multiple_of) === undefined) {
            this.fail(
              `${path}.multiple_of`,
              `must be a positive decimal string of major units such as "1000" (no sign, exponent or leading zeros), got ${describe(o.multiple_of)}`,
            );
          }
          c.multiple_of = o.multiple_of as string;
        } else {
          const n = o.max_significant_digits;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SIGNIFICANT_DIGITS) {
            this.fail(`${path}.max_significant_digits`, `must be a whole number from 1 to ${MAX_SIGNIFICANT_DIGITS}, got ${describe(n)}`);
          }
          c.max_significant_digits = n;
        }
        if (o.min_amount_ref !== undefined) {
          this.amount(o.min_amount_ref, `${path}.min_amount_ref`, ref);
          c.min_amount_ref = o.min_amount_ref as string;
        }
        return c;
      }
    }
    // Unreachable: every ConditionFeature is handled above.
    return this.fail(`${path}.feature`, `${quote(f)} is not handled`);
  }

  /** List entries fit for the condition that reads them: currency codes, or corridors `FROM>TO`. */
  private listEntries(feature: ListFeature, name: string, entries: readonly string[]): void {
    if (feature === 'currency_in') {
      entries.forEach((e, i) => {
        if (!isCurrencyCode(e))
          this.fail(`lists.${name}[${i}]`, `must be an ISO 4217 currency code (the list is read by currency_in), got ${quote(e)}`);
      });
    } else if (feature === 'corridor_in') {
      entries.forEach((e, i) => {
        if (!parseCorridor(e)) {
          this.fail(
            `lists.${name}[${i}]`,
            `must be a corridor "FROM>TO" of ISO 4217 codes or * (such as "USD>IDR" or "*>KPW", not "*>*"; the list is read by corridor_in), got ${quote(e)}`,
          );
        }
      });
    }
  }

  private band(raw: unknown, path: string, bands: Bands): string {
    if (typeof raw !== 'string') this.fail(path, `must be the name of a band in features.amount_bands, got ${describe(raw)}`);
    if (!Object.hasOwn(bands, raw)) {
      const known = Object.keys(bands);
      this.fail(path, `${quote(raw)} is not defined in features.amount_bands (defined: ${known.length ? known.join(', ') : 'none'})`);
    }
    return raw;
  }

  /** Optional `gte`/`lt` amounts (at least one), with gte < lt. */
  private amountBounds(o: Record<string, unknown>, path: string, ref: string): [string | undefined, string | undefined] {
    if (o.gte === undefined && o.lt === undefined)
      this.fail(path, `must have "gte", "lt" or both${o.feature ? ` for feature ${String(o.feature)}` : ''}`);
    const gte = o.gte === undefined ? undefined : this.amount(o.gte, `${path}.gte`, ref);
    const lt = o.lt === undefined ? undefined : this.amount(o.lt, `${path}.lt`, ref);
    if (gte !== undefined && lt !== undefined && gte >= lt) {
      this.fail(`${path}.gte`, `(${String(o.gte)}) must be lower than ${path}.lt (${String(o.lt)}), or the condition can never hold`);
    }
    return [o.gte as string | undefined, o.lt as string | undefined];
  }

  /** Optional whole-number `gte` (>= 1) / `lt` (>= 1) bounds, at least one, with gte < lt. */
  private countBounds(o: Record<string, unknown>, path: string, feature: string): [number | undefined, number | undefined] {
    if (o.gte === undefined && o.lt === undefined) this.fail(path, `must have "gte", "lt" or both for feature ${feature}`);
    for (const key of ['gte', 'lt'] as const) {
      const v = o[key];
      if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)) {
        this.fail(`${path}.${key}`, `must be a whole number of payments >= 1, got ${describe(v)}`);
      }
    }
    const [gte, lt] = [o.gte as number | undefined, o.lt as number | undefined];
    if (gte !== undefined && lt !== undefined && gte >= lt) {
      this.fail(`${path}.gte`, `(${gte}) must be lower than ${path}.lt (${lt}), or the condition can never hold`);
    }
    return [gte, lt];
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

function withBounds<C extends object, B>(c: C, gte: B | undefined, lt: B | undefined): C & { gte?: B; lt?: B } {
  const out: C & { gte?: B; lt?: B } = c;
  if (gte !== undefined) out.gte = gte;
  if (lt !== undefined) out.lt = lt;
  return out;
}

function isOneOf<T extends string>(values: readonly T[], v: string): v is T {
  return (values as readonly string[]).includes(v);
}

/**
 * A positive plain decimal string as `value × 10^-scale` (`"12.50"` → 1250n, 2), or
 * undefined if `raw` is not one. Used for `round_amount.multiple_of` (in the payment's own
 * currency, so it cannot be checked against a currency's exponent here) and for ratios.
 */
export function parsePositiveDecimal(raw: unknown): { value: bigint; scale: number } | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_DECIMAL_LENGTH) return undefined;
  const m = PLAIN_DECIMAL.exec(raw);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  const value = BigInt(m[1] + fraction);
  return value > 0n ? { value, scale: fraction.length } : undefined;
}

/** Sign of a − b for two scaled decimals. */
function compareScaled(a: { value: bigint; scale: number }, b: { value: bigint; scale: number }): number {
  const s = Math.max(a.scale, b.scale);
  const x = a.value * 10n ** BigInt(s - a.scale);
  const y = b.value * 10n ** BigInt(s - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
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
