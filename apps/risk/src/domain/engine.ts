import { D, assertSafeMinor, currencyExponent, formatAmount, isCurrencyCode, parseAmount } from '@paygate/money';
import type { RiskFeatures } from './features';
import {
  MAX_SCORE,
  parseCorridor,
  parseDuration,
  parsePositiveDecimal,
  type AmountFeature,
  type Condition,
  type CountFeature,
  type FeatureCondition,
  type RulesFile,
} from './rules';

export type { RiskFeatures } from './features';

export type RiskDecision = 'APPROVE' | 'REVIEW' | 'DECLINE';

export interface RiskReason {
  code: string;
  weight: number;
  detail: string;
}

export interface RiskAssessment {
  score: number;
  decision: RiskDecision;
  reasons: RiskReason[];
  rules_version: string;
}

/**
 * Score a payment against a rules file (pure: no I/O, no clock).
 *
 * - a rule fires when its `when` holds and its `unless` (if any) does not;
 * - score = min(100, sum of the weights of the rules that fire);
 * - decision: score >= thresholds.decline → DECLINE, >= thresholds.review → REVIEW, else APPROVE;
 * - reasons: the fired rules, by weight descending then code, each detail being the rule's
 *   readable reason followed by the observed values (amounts formatted exactly).
 *
 * A condition on an absent feature does not hold (no destination → no destination rules; no
 * reference amount → no amount_ref / in_band / amount_vs_history / min_amount_ref), except
 * `amount_ref_unknown`, which holds exactly then. When the payment is already in the
 * reference currency and `amountRefMinor` is omitted, the amount itself is used.
 *
 * @throws MoneyError for an unknown currency or out-of-range amount; RangeError/TypeError
 *   for other malformed features (non-positive amount, negative or fractional counts).
 */
export function evaluate(rules: RulesFile, f: RiskFeatures): RiskAssessment {
  const compiled = compile(rules);
  const ctx = context(rules.reference_currency, f);

  const reasons: RiskReason[] = [];
  for (const rule of compiled) {
    const detail = rule.when(ctx);
    if (detail === undefined || (rule.unless && rule.unless(ctx) !== undefined)) continue;
    reasons.push({ code: rule.code, weight: rule.weight, detail: `${rule.reason}: ${detail}` });
  }
  reasons.sort((a, b) => b.weight - a.weight || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

  const score = Math.min(
    MAX_SCORE,
    reasons.reduce((sum, r) => sum + r.weight, 0),
  );
  return { score, decision: decide(score, rules.thresholds), reasons, rules_version: rules.version };
}

/** Decision for a score under the given thresholds. */
export function decide(score: number, thresholds: RulesFile['thresholds']): RiskDecision {
  if (score >= thresholds.decline) return 'DECLINE';
  if (score >= thresholds.review) return 'REVIEW';
  return 'APPROVE';
}

/** A statistic of the history sample as an exact fraction num/den (reference minor units). */
interface Stat {
  num: bigint;
  den: bigint;
  n: number;
}

/** What conditions see: the features plus derived values, validated once per evaluation. */
interface Ctx {
  f: RiskFeatures;
  ref: string;
  /** Amount in reference minor units, or undefined when unknown. */
  refMinor: bigint | undefined;
  /** Minor-unit exponent of the payment currency. */
  exponent: number;
  stat(of: 'median' | 'mean'): Stat | undefined;
}

/** A compiled condition: the detail sentence when it holds, undefined when not. */
type Test = (ctx: Ctx) => string | undefined;

interface CompiledRule {
  code: string;
  weight: number;
  reason: string;
  when: Test;
  unless?: Test;
}

interface CompileEnv {
  ref: string;
  lists: ReadonlyMap<string, ReadonlySet<string>>;
  file: RulesFile;
}

/** Compiled forms of frozen rules files (what `parseRulesFile` returns), so bounds are parsed once. */
const CACHE = new WeakMap<RulesFile, readonly CompiledRule[]>();

function compile(file: RulesFile): readonly CompiledRule[] {
  const cached = CACHE.get(file);
  if (cached) return cached;
  const env: CompileEnv = {
    ref: file.reference_currency,
    lists: new Map(Object.entries(file.lists).map(([name, entries]) => [name, new Set(entries)])),
    file,
  };
  const compiled = file.rules.map((r) => {
    const c: CompiledRule = { code: r.code, weight: r.weight, reason: r.reason, when: compileCondition(r.when, env) };
    if (r.unless) c.unless = compileCondition(r.unless, env);
    return c;
  });
  // A mutable file could change after compiling; only cache what cannot.
  if (Object.isFrozen(file) && Object.isFrozen(file.rules) && Object.isFrozen(file.lists)) CACHE.set(file, compiled);
  return compiled;
}

const WINDOW_OF: Record<string, string> = {
  count_1m: 'minute',
  count_1h: 'hour',
  count_24h: '24 hours',
  sum_1m: 'minute',
  sum_1h: 'hour',
  sum_24h: '24 hours',
};

function compileCondition(c: Condition, env: CompileEnv): Test {
  if ('all' in c) {
    const parts = c.all.map((sub) => compileCondition(sub, env));
    return (ctx) => {
      const details: string[] = [];
      for (const part of parts) {
        const d = part(ctx);
        if (d === undefined) return undefined;
        details.push(d);
      }
      return details.join('; ');
    };
  }
  if ('any' in c) {
    const parts = c.any.map((sub) => compileCondition(sub, env));
    return (ctx) => {
      const details = parts.map((p) => p(ctx)).filter((d): d is string => d !== undefined);
      return details.length > 0 ? details.join('; ') : undefined;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, env);
    const text = `not (${describeCondition(c.not, env.ref)})`;
    return (ctx) => (inner(ctx) === undefined ? text : undefined);
  }
  return compileFeature(c, env);
}

function compileFeature(c: FeatureCondition, env: CompileEnv): Test {
  const { ref, lists } = env;
  switch (c.feature) {
    case 'amount_ref': {
      const [gte, lt, text] = amountBounds(c, ref);
      return (ctx) => {
        const v = ctx.refMinor;
        if (v === undefined || !within(v, gte, lt)) return undefined;
        return `amount ${paymentAmount(ctx)} is ${text}`;
      };
    }
    case 'sum_1m':
    case 'sum_1h':
    case 'sum_24h': {
      const [gte, lt, text] = amountBounds(c, ref);
      const key = ({ sum_1m: 'sum1mRefMinor', sum_1h: 'sum1hRefMinor', sum_24h: 'sum24hRefMinor' } as const)[c.feature];
      const window = WINDOW_OF[c.feature];
      return (ctx) => {
        const v = ctx.f[key];
        return within(v, gte, lt)
          ? `the account's payments in the last ${window} before this one total ${money(v, ref)}, ${text}`
          : undefined;
      };
    }
    case 'count_1m':
    case 'count_1h':
    case 'count_24h':
    case 'history_count': {
      const { gte, lt } = c;
      const text = bounds(gte, lt, String);
      const read = countReader(c.feature);
      return (ctx) => {
        const n = read(ctx);
        if (!within(n, gte, lt)) return undefined;
        return c.feature === 'history_count'
          ? `the account's history sample has ${payments(n, 'earlier priced payment')}, ${text}`
          : `account made ${payments(n)} in the last ${WINDOW_OF[c.feature]} before this one, ${text}`;
      };
    }
    case 'account_age': {
      const gte = c.gte === undefined ? undefined : parseDuration(c.gte)!;
      const lt = c.lt === undefined ? undefined : parseDuration(c.lt)!;
      const text = bounds(gte, lt, formatDuration);
      return (ctx) => {
        const age = ctx.f.accountAgeSeconds;
        if (!within(age ?? 0, gte, lt)) return undefined;
        return age === undefined
          ? `account ${ctx.f.account} is new (no earlier recorded payment), age ${text}`
          : `account ${ctx.f.account} was first seen ${formatDuration(age)} ago, ${text}`;
      };
    }
    case 'band_count': {
      const { gte, lt, band } = c;
      const text = bounds(gte, lt, String);
      const def = env.file.features.amount_bands[band];
      const label = bandLabel(band, def, ref);
      return (ctx) => {
        const n = ctx.f.bandCounts[band] ?? 0;
        if (!within(n, gte, lt)) return undefined;
        return `account made ${payments(n)} ${label} in the last ${formatDuration(parseDuration(def.window)!)} before this one, ${text}`;
      };
    }
    case 'in_band': {
      const def = env.file.features.amount_bands[c.band];
      const gte = def.gte === undefined ? undefined : parseAmount(def.gte, ref);
      const lt = def.lt === undefined ? undefined : parseAmount(def.lt, ref);
      const label = bandLabel(c.band, def, ref);
      return (ctx) => {
        const v = ctx.refMinor;
        return v !== undefined && within(v, gte, lt) ? `amount ${paymentAmount(ctx)} is ${label}` : undefined;
      };
    }
    case 'amount_vs_history': {
      const of = c.of ?? 'median';
      const gte = c.gte === undefined ? undefined : parsePositiveDecimal(c.gte)!;
      const lt = c.lt === undefined ? undefined : parsePositiveDecimal(c.lt)!;
      const text = bounds(c.gte, c.lt, (k) => `${k}×`);
      return (ctx) => {
        const v = ctx.refMinor;
        const s = ctx.stat(of);
        if (v === undefined || s === undefined || s.num === 0n) return undefined;
        // v / (num/den) compared with k = value·10^-scale, exactly: v·den·10^scale vs value·num.
        const atLeast = (k: { value: bigint; scale: number }) => v * s.den * 10n ** BigInt(k.scale) >= k.value * s.num;
        if ((gte && !atLeast(gte)) || (lt && atLeast(lt))) return undefined;
        const ratio = new D((v * s.den).toString()).div(s.num.toString()).toDecimalPlaces(1, D.ROUND_DOWN).toFixed(1);
        const statMinor = (s.num + s.den / 2n) / s.den;
        return `amount ${paymentAmount(ctx)} is ${ratio}× the ${of} ${money(statMinor, ref)} of the account's last ${payments(s.n, 'priced payment')}, ${text}`;
      };
    }
    case 'amount_ref_unknown':
      return (ctx) =>
        ctx.refMinor === undefined
          ? `amount ${money(ctx.f.amountMinor, ctx.f.currency)} could not be valued in ${ref}: no ${ctx.f.currency}/${ref} rate was available`
          : undefined;
    case 'new_destination':
      return (ctx) =>
        ctx.f.destination !== undefined && ctx.f.destinationSeen === false
          ? `account has not paid destination ${ctx.f.destination} before`
          : undefined;
    case 'new_account':
      return (ctx) => (ctx.f.accountAgeSeconds === undefined ? `account ${ctx.f.account} has no earlier recorded payment` : undefined);
    case 'cross_currency':
      return (ctx) =>
        ctx.f.sourceCurrency !== undefined && ctx.f.sourceCurrency !== ctx.f.currency
          ? `paid in ${ctx.f.currency} from ${ctx.f.sourceCurrency} funds`
          : undefined;
    case 'round_amount': {
      const min = c.min_amount_ref === undefined ? undefined : parseAmount(c.min_amount_ref, ref);
      const round = roundTest(c);
      return (ctx) => {
        let detail = round(ctx);
        if (detail === undefined) return undefined;
        if (min !== undefined) {
          if (ctx.refMinor === undefined || ctx.refMinor < min) return undefined;
          detail +=
            ctx.f.currency === ref ? ` and at least ${money(min, ref)}` : ` worth ${money(ctx.refMinor, ref)}, at least ${money(min, ref)}`;
        }
        return detail;
      };
    }
    case 'account_in':
    case 'destination_in':
    case 'currency_in':
    case 'corridor_in': {
      const entries = lists.get(c.list);
      if (!entries) throw new RangeError(`list ${JSON.stringify(c.list)} is not defined in the rules file`);
      const name = c.list;
      switch (c.feature) {
        case 'account_in':
          return (ctx) => (entries.has(ctx.f.account) ? `account ${ctx.f.account} is on list ${name}` : undefined);
        case 'destination_in':
          return (ctx) =>
            ctx.f.destination !== undefined && entries.has(ctx.f.destination)
              ? `destination ${ctx.f.destination} is on list ${name}`
              : undefined;
        case 'currency_in':
          return (ctx) => (entries.has(ctx.f.currency) ? `currency ${ctx.f.currency} is on list ${name}` : undefined);
        case 'corridor_in': {
          const corridors = [...entries].map((e) => ({ entry: e, ...parseCorridor(e)! }));
          return (ctx) => {
            const from = ctx.f.sourceCurrency;
            const hit = corridors.find((k) => (k.to === '*' || k.to === ctx.f.currency) && (k.from === '*' || k.from === from));
            return hit ? `corridor ${from ?? '*'}>${ctx.f.currency} matches ${hit.entry} on list ${name}` : undefined;
          };
        }
      }
    }
  }
}

function countReader(feature: CountFeature): (ctx: Ctx) => number {
  switch (feature) {
    case 'count_1m':
      return (ctx) => ctx.f.count1m;
    case 'count_1h':
      return (ctx) => ctx.f.count1h;
    case 'count_24h':
      return (ctx) => ctx.f.count24h;
    case 'history_count':
      return (ctx) => ctx.f.historyRefMinor.length;
  }
}

function roundTest(c: { multiple_of?: string; max_significant_digits?: number }): Test {
  if (c.multiple_of !== undefined) {
    const multiple = parsePositiveDecimal(c.multiple_of);
    if (!multiple) throw new RangeError(`round_amount.multiple_of ${JSON.stringify(c.multiple_of)} is not a positive decimal string`);
    const text = group(c.multiple_of);
    return (ctx) => {
      // amount / N = (amountMinor / 10^e) / (value / 10^scale) = amountMinor·10^scale / (value·10^e): exact in bigint.
      const scaledAmount = ctx.f.amountMinor * 10n ** BigInt(multiple.scale);
      const divisor = multiple.value * 10n ** BigInt(ctx.exponent);
      return scaledAmount % divisor === 0n
        ? `amount ${money(ctx.f.amountMinor, ctx.f.currency)} is a whole multiple of ${text} ${ctx.f.currency}`
        : undefined;
    };
  }
  const max = c.max_significant_digits!;
  return (ctx) => {
    const unit = 10n ** BigInt(ctx.exponent);
    if (ctx.f.amountMinor % unit !== 0n) return undefined;
    const digits = significantDigits(ctx.f.amountMinor / unit);
    return digits <= max
      ? `amount ${money(ctx.f.amountMinor, ctx.f.currency)} is round (${digits} significant digit${digits === 1 ? '' : 's'}, at most ${max})`
      : undefined;
  };
}

/** Significant digits of a positive integer: 3400 → 2, 1050 → 3. */
export function significantDigits(n: bigint): number {
  let s = n.toString();
  while (s.length > 1 && s.endsWith('0')) s = s.slice(0, -1);
  return s.length;
}

function context(ref: string, f: RiskFeatures): Ctx {
  if (typeof f.account !== 'string') throw new TypeError(`account must be a string, got ${typeof f.account}`);
  if (f.destination !== undefined && typeof f.destination !== 'string') {
    throw new TypeError(`destination must be a string when given, got ${typeof f.destination}`);
  }
  if (f.sourceCurrency !== undefined && !isCurrencyCode(f.sourceCurrency)) {
    throw new TypeError(`sourceCurrency must be an ISO 4217 code when given, got ${String(f.sourceCurrency)}`);
  }
  const exponent = currencyExponent(f.currency);
  assertSafeMinor(f.amountMinor, 'amountMinor');
  if (f.amountMinor <= 0n) throw new RangeError(`amountMinor must be positive, got ${f.amountMinor}`);
  for (const [name, v] of [
    ['amountRefMinor', f.amountRefMinor],
    ['sum1mRefMinor', f.sum1mRefMinor],
    ['sum1hRefMinor', f.sum1hRefMinor],
    ['sum24hRefMinor', f.sum24hRefMinor],
    ...f.historyRefMinor.map((h, i) => [`historyRefMinor[${i}]`, h] as const),
  ] as const) {
    if (v === undefined) continue;
    assertSafeMinor(v, name);
    if (v < 0n) throw new RangeError(`${name} must not be negative, got ${v}`);
  }
  const counts: Array<[string, number | undefined]> = [
    ['count1m', f.count1m],
    ['count1h', f.count1h],
    ['count24h', f.count24h],
    ['accountAgeSeconds', f.accountAgeSeconds],
    ...Object.entries(f.bandCounts).map(([k, n]): [string, number] => [`bandCounts.${k}`, n]),
  ];
  for (const [name, n] of counts) {
    if (name === 'accountAgeSeconds' && n === undefined) continue;
    if (!Number.isSafeInteger(n) || (n as number) < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${String(n)}`);
  }
  const refMinor = f.amountRefMinor ?? (f.currency === ref ? f.amountMinor : undefined);
  const stats = new Map<string, Stat | undefined>();
  const stat = (of: 'median' | 'mean'): Stat | undefined => {
    if (!stats.has(of)) stats.set(of, computeStat(f.historyRefMinor, of));
    return stats.get(of);
  };
  return { f, ref, refMinor, exponent, stat };
}

function computeStat(values: readonly bigint[], of: 'median' | 'mean'): Stat | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  if (of === 'mean') return { num: values.reduce((a, b) => a + b, 0n), den: BigInt(n), n };
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = n >> 1;
  return n % 2 === 1 ? { num: sorted[mid], den: 1n, n } : { num: sorted[mid - 1] + sorted[mid], den: 2n, n };
}

function within<T extends number | bigint>(v: T, gte: T | undefined, lt: T | undefined): boolean {
  return (gte === undefined || v >= gte) && (lt === undefined || v < lt);
}

function amountBounds(
  c: { gte?: string; lt?: string; feature: AmountFeature },
  ref: string,
): [bigint | undefined, bigint | undefined, string] {
  const gte = c.gte === undefined ? undefined : parseAmount(c.gte, ref);
  const lt = c.lt === undefined ? undefined : parseAmount(c.lt, ref);
  return [gte, lt, bounds(gte, lt, (m) => money(m, ref))];
}

/** "at least X", "below Y", "at least X and below Y". */
function bounds<T>(gte: T | undefined, lt: T | undefined, show: (v: T) => string): string {
  const parts = [gte !== undefined ? `at least ${show(gte)}` : '', lt !== undefined ? `below ${show(lt)}` : ''];
  return parts.filter(Boolean).join(' and ');
}

function bandLabel(name: string, def: { gte?: string; lt?: string }, ref: string): string {
  const gte = def.gte === undefined ? undefined : parseAmount(def.gte, ref);
  const lt = def.lt === undefined ? undefined : parseAmount(def.lt, ref);
  return `in band ${name} (${bounds(gte, lt, (m) => money(m, ref))})`;
}

/** A short text for a condition (what `not` reports when its condition does not hold). */
export function describeCondition(c: Condition, ref: string): string {
  if ('all' in c) return c.all.map((s) => describeCondition(s, ref)).join(' and ');
  if ('any' in c) return c.any.map((s) => describeCondition(s, ref)).join(' or ');
  if ('not' in c) return `not (${describeCondition(c.not, ref)})`;
  switch (c.feature) {
    case 'account_in':
      return `account on list ${c.list}`;
    case 'destination_in':
      return `destination on list ${c.list}`;
    case 'currency_in':
      return `currency on list ${c.list}`;
    case 'corridor_in':
      return `corridor on list ${c.list}`;
    case 'amount_ref_unknown':
      return 'amount could not be priced';
    case 'new_destination':
      return 'new destination';
    case 'new_account':
      return 'new account';
    case 'cross_currency':
      return 'cross-currency payment';
    case 'in_band':
      return `amount in band ${c.band}`;
    case 'round_amount':
      return 'round amount';
    case 'band_count':
      return `band_count ${c.band} ${bounds(c.gte, c.lt, String)}`;
    case 'amount_vs_history':
      return `amount vs ${c.of ?? 'median'} of history ${bounds(c.gte, c.lt, (k) => `${k}×`)}`;
    case 'account_age':
      return `account age ${bounds(c.gte, c.lt, (d) => d)}`;
    default:
      return `${c.feature} ${bounds(c.gte as string | number | undefined, c.lt as string | number | undefined, (v) => (typeof v === 'string' ? `${v} ${ref}` : String(v)))}`;
  }
}

/** "1d 2h", "12m 5s", "0s". */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

/** "6,000.00 USD": `formatAmount`'s exact decimal, digits grouped for reading. */
function money(minor: bigint, currency: string): string {
  return `${group(formatAmount(minor, currency))} ${currency}`;
}

/** Thousands separators in the integer part of a plain decimal string: "1234567.50" → "1,234,567.50". */
function group(decimal: string): string {
  const [integer, fraction] = decimal.split('.');
  const grouped = integer.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "6000.00 USD", or "900000 JPY (6000.00 USD)" when the payment is in another currency. */
function paymentAmount(ctx: Ctx): string {
  const own = money(ctx.f.amountMinor, ctx.f.currency);
  return ctx.f.currency === ctx.ref || ctx.refMinor === undefined ? own : `${own} (${money(ctx.refMinor, ctx.ref)})`;
}

function payments(n: number, noun = 'payment'): string {
  return n === 1 ? `1 ${noun}` : `${n} ${noun}s`;
}
