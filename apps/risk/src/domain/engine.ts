import { assertSafeMinor, currencyExponent, formatAmount, parseAmount } from '@paygate/money';
import { MAX_SCORE, parsePositiveDecimal, type Condition, type RulesFile } from './rules';

export type RiskDecision = 'APPROVE' | 'REVIEW' | 'DECLINE';

export interface RiskFeatures {
  account: string;
  destination?: string;
  currency: string; // ISO 4217 code
  amountMinor: bigint; // amount in `currency` minor units (>0)
  /** Amount in the rules file's reference currency (its minor units); undefined when no FX rate was available. */
  amountRefMinor?: bigint;
  /** This account's recorded payments in the last minute / last hour (not counting this one). */
  count1m: number;
  count1h: number;
  /** Whether this account has paid `destination` before; undefined when no destination was given. */
  destinationSeen?: boolean;
}

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
 * - score = min(100, sum of the weights of the rules that fire);
 * - decision: score >= thresholds.decline → DECLINE, >= thresholds.review → REVIEW, else APPROVE;
 * - reasons: the fired rules, by weight descending then code, each with a sentence
 *   quoting the actual values (amounts formatted exactly with `formatAmount`).
 *
 * A condition on an absent feature does not hold (no destination → no destination
 * rules; no reference amount → no amount_ref / min_amount_ref), except
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
    const detail = rule.test(ctx);
    if (detail !== undefined) reasons.push({ code: rule.code, weight: rule.weight, detail });
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

/** What conditions see: the features plus derived values, validated once per evaluation. */
interface Ctx {
  f: RiskFeatures;
  ref: string;
  /** Amount in reference minor units, or undefined when unknown. */
  refMinor: bigint | undefined;
  /** Minor-unit exponent of the payment currency. */
  exponent: number;
}

/** A compiled condition: the detail sentence when it holds, undefined when not. */
type Test = (ctx: Ctx) => string | undefined;

interface CompiledRule {
  code: string;
  weight: number;
  test: Test;
}

/** Compiled forms of frozen rules files (what `parseRulesFile` returns), so thresholds are parsed once. */
const CACHE = new WeakMap<RulesFile, readonly CompiledRule[]>();

function compile(file: RulesFile): readonly CompiledRule[] {
  const cached = CACHE.get(file);
  if (cached) return cached;
  const lists = new Map<string, ReadonlySet<string>>(Object.entries(file.lists).map(([name, entries]) => [name, new Set(entries)]));
  const compiled = file.rules.map((r) => ({
    code: r.code,
    weight: r.weight,
    test: compileCondition(r.when, file.reference_currency, lists),
  }));
  // A mutable file could change after compiling; only cache what cannot.
  if (Object.isFrozen(file) && Object.isFrozen(file.rules) && Object.isFrozen(file.lists)) CACHE.set(file, compiled);
  return compiled;
}

function compileCondition(c: Condition, ref: string, lists: ReadonlyMap<string, ReadonlySet<string>>): Test {
  if ('all' in c) {
    const parts = c.all.map((sub) => compileCondition(sub, ref, lists));
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

  switch (c.feature) {
    case 'amount_ref': {
      const gte = c.gte === undefined ? undefined : parseAmount(c.gte, ref);
      const lt = c.lt === undefined ? undefined : parseAmount(c.lt, ref);
      return (ctx) => {
        const v = ctx.refMinor;
        if (v === undefined || (gte !== undefined && v < gte) || (lt !== undefined && v >= lt)) return undefined;
        const bounds = [gte !== undefined ? `at least ${money(gte, ref)}` : '', lt !== undefined ? `below ${money(lt, ref)}` : ''];
        return `amount ${paymentAmount(ctx)} is ${bounds.filter(Boolean).join(' and ')}`;
      };
    }
    case 'amount_ref_unknown':
      return (ctx) =>
        ctx.refMinor === undefined
          ? `amount ${money(ctx.f.amountMinor, ctx.f.currency)} could not be valued in ${ref}: no ${ctx.f.currency}/${ref} rate was available`
          : undefined;
    case 'count_1m':
    case 'count_1h': {
      const { gte } = c;
      const perMinute = c.feature === 'count_1m';
      const window = perMinute ? 'minute' : 'hour';
      return (ctx) => {
        const n = perMinute ? ctx.f.count1m : ctx.f.count1h;
        return n >= gte ? `account made ${payments(n)} in the last ${window} before this one, at least ${gte}` : undefined;
      };
    }
    case 'new_destination':
      return (ctx) =>
        ctx.f.destination !== undefined && ctx.f.destinationSeen === false
          ? `account has not paid destination ${ctx.f.destination} before`
          : undefined;
    case 'round_amount': {
      const multiple = parsePositiveDecimal(c.multiple_of);
      if (!multiple) throw new RangeError(`round_amount.multiple_of ${JSON.stringify(c.multiple_of)} is not a positive decimal string`);
      const min = c.min_amount_ref === undefined ? undefined : parseAmount(c.min_amount_ref, ref);
      return (ctx) => {
        // amount / N = (amountMinor / 10^e) / (value / 10^scale) = amountMinor·10^scale / (value·10^e): exact in bigint.
        const scaledAmount = ctx.f.amountMinor * 10n ** BigInt(multiple.scale);
        const divisor = multiple.value * 10n ** BigInt(ctx.exponent);
        if (scaledAmount % divisor !== 0n) return undefined;
        let detail = `amount ${money(ctx.f.amountMinor, ctx.f.currency)} is a whole multiple of ${group(c.multiple_of)} ${ctx.f.currency}`;
        if (min !== undefined) {
          if (ctx.refMinor === undefined || ctx.refMinor < min) return undefined;
          detail +=
            ctx.f.currency === ref ? ` and at least ${money(min, ref)}` : ` worth ${money(ctx.refMinor, ref)}, at least ${money(min, ref)}`;
        }
        return detail;
      };
    }
    case 'account_in':
    case 'destination_in': {
      const entries = lists.get(c.list);
      if (!entries) throw new RangeError(`list ${JSON.stringify(c.list)} is not defined in the rules file`);
      const name = c.list;
      if (c.feature === 'account_in') {
        return (ctx) => (entries.has(ctx.f.account) ? `account ${ctx.f.account} is on list ${name}` : undefined);
      }
      return (ctx) =>
        ctx.f.destination !== undefined && entries.has(ctx.f.destination)
          ? `destination ${ctx.f.destination} is on list ${name}`
          : undefined;
    }
  }
}

function context(ref: string, f: RiskFeatures): Ctx {
  if (typeof f.account !== 'string') throw new TypeError(`account must be a string, got ${typeof f.account}`);
  if (f.destination !== undefined && typeof f.destination !== 'string') {
    throw new TypeError(`destination must be a string when given, got ${typeof f.destination}`);
  }
  const exponent = currencyExponent(f.currency);
  assertSafeMinor(f.amountMinor, 'amountMinor');
  if (f.amountMinor <= 0n) throw new RangeError(`amountMinor must be positive, got ${f.amountMinor}`);
  if (f.amountRefMinor !== undefined) {
    assertSafeMinor(f.amountRefMinor, 'amountRefMinor');
    if (f.amountRefMinor < 0n) throw new RangeError(`amountRefMinor must not be negative, got ${f.amountRefMinor}`);
  }
  for (const [name, n] of [
    ['count1m', f.count1m],
    ['count1h', f.count1h],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${String(n)}`);
  }
  const refMinor = f.amountRefMinor ?? (f.currency === ref ? f.amountMinor : undefined);
  return { f, ref, refMinor, exponent };
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

function payments(n: number): string {
  return n === 1 ? '1 payment' : `${n} payments`;
}
