import { D, isCurrencyCode, roundRate } from '@paygate/money';
import { RATE_SIGNIFICANT_DIGITS } from '../cross-rate';

/** Largest spread accepted, in basis points (20 %: anything wider is a configuration mistake). */
export const MAX_SPREAD_BPS = 2000;

export interface QuoteSides {
  mid: string;
  bid: string;
  ask: string;
}

/** A positive plain decimal (the form rates have everywhere in the product). */
const POSITIVE_PLAIN = /^[0-9]+(?:\.[0-9]+)?$/;
/** Enough for any mid rate (≤ 100 significant digits) times (20000 ± bps) divided by 20000, exactly. */
const Exact = D.clone({ precision: 200 });

/**
 * Bid and ask around a mid rate for a total spread of `spreadBps` basis points, half on each side:
 * bid = mid × (1 − bps/20000), ask = mid × (1 + bps/20000), computed exactly and each rounded once,
 * half-even, to 12 significant digits (`mid` is normalised the same way).
 *
 * @throws RangeError when `mid` is not a positive plain decimal or `spreadBps` not an integer 0..2000
 */
export function quoteSides(mid: string, spreadBps: number): QuoteSides {
  if (typeof mid !== 'string' || mid.length > 100 || !POSITIVE_PLAIN.test(mid) || new Exact(mid).lte(0)) {
    throw new RangeError(`mid rate must be a positive plain decimal, got ${JSON.stringify(String(mid)).slice(0, 60)}`);
  }
  assertSpreadBps(spreadBps);
  const exactMid = new Exact(mid);
  // (20000 ± bps) / 20000 = (20000 ± bps) × 5 / 10^5: an exact multiplication and a shift.
  const side = (signedBps: number) =>
    exactMid
      .times(20_000 + signedBps)
      .times(5)
      .div(100_000);
  return {
    mid: roundRate(exactMid, RATE_SIGNIFICANT_DIGITS),
    bid: roundRate(side(-spreadBps), RATE_SIGNIFICANT_DIGITS),
    ask: roundRate(side(spreadBps), RATE_SIGNIFICANT_DIGITS),
  };
}

/** Spread in basis points of a currency pair; symmetric (USD/IDR and IDR/USD are the same), 0 for base = quote. */
export type SpreadLookup = (base: string, quote: string) => number;

/** A spread configuration that cannot be used; `problems` lists every bad entry. */
export class SpreadConfigError extends Error {
  override readonly name = 'SpreadConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid FX spread configuration: ${problems.join('; ')}`);
  }
}

/**
 * Parses a per-pair spread configuration such as `"USD/IDR=80,EUR/USD=10"` (whitespace around
 * entries and separators allowed, empty entries ignored) into a lookup that falls back to
 * `defaultBps`. Every spread is an integer number of basis points from 0 to 2000; every pair is two
 * different ISO 4217 codes (upper-case); a pair may appear only once, in either direction.
 *
 * @throws SpreadConfigError listing every invalid entry
 * @throws RangeError when `defaultBps` is invalid
 */
export function parseSpreads(text: string | undefined, defaultBps: number): SpreadLookup {
  assertSpreadBps(defaultBps, 'default spread');
  const spreads = new Map<string, number>();
  const problems: string[] = [];
  const entries = (text ?? '').split(',');
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '') return;
    const where = `entry ${index + 1} ${JSON.stringify(entry.length > 40 ? `${entry.slice(0, 40)}…` : entry)}`;
    const match = /^([^/=\s]+)\s*\/\s*([^/=\s]+)\s*=\s*(\S*)$/.exec(entry);
    if (!match) {
      problems.push(`${where}: expected BASE/QUOTE=BPS, e.g. USD/IDR=80`);
      return;
    }
    const [, base, quote, bpsText] = match;
    const entryProblems: string[] = [];
    for (const code of [base, quote]) {
      if (!isCurrencyCode(code)) entryProblems.push(`${JSON.stringify(code)} is not an ISO 4217 currency code (upper-case)`);
    }
    if (base === quote) entryProblems.push('base and quote are the same currency');
    const bps = /^[0-9]{1,4}$/.test(bpsText) ? Number(bpsText) : NaN;
    if (!(bps <= MAX_SPREAD_BPS))
      entryProblems.push(`spread must be an integer number of basis points from 0 to ${MAX_SPREAD_BPS}, got ${JSON.stringify(bpsText)}`);
    const key = pairKey(base, quote);
    if (entryProblems.length === 0 && spreads.has(key))
      entryProblems.push(`${base}/${quote} is configured more than once (either direction)`);
    if (entryProblems.length > 0) {
      problems.push(`${where}: ${entryProblems.join(', ')}`);
      return;
    }
    spreads.set(key, bps);
  });
  if (problems.length > 0) throw new SpreadConfigError(problems);
  return (base, quote) => (base === quote ? 0 : (spreads.get(pairKey(base, quote)) ?? defaultBps));
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}/${b}` : `${b}/${a}`;
}

function assertSpreadBps(bps: number, label = 'spread'): void {
  if (!Number.isInteger(bps) || bps < 0 || bps > MAX_SPREAD_BPS) {
    throw new RangeError(`${label} must be an integer number of basis points from 0 to ${MAX_SPREAD_BPS}, got ${bps}`);
  }
}
