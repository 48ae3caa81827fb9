import { D, roundRate } from '@paygate/money';

/** Rates are quoted to 12 significant digits: rounded once, after the exact cross. */
export const RATE_SIGNIFICANT_DIGITS = 12;

export interface PivotRates {
  pivot: string;
  /** Units of currency per one unit of pivot, exact decimal strings. */
  rates: Record<string, string>;
}

/** Units of `currency` per one pivot unit, or undefined when the snapshot does not quote it. */
function perPivot(snapshot: PivotRates, currency: string): string | undefined {
  return currency === snapshot.pivot ? '1' : snapshot.rates[currency];
}

/**
 * Units of `quote` per one unit of `base`, crossed through the pivot in exact decimals
 * (quote/pivot ÷ base/pivot at 40 significant digits) and rounded once, half-even.
 * Returns undefined when either leg is not quoted.
 */
export function crossRate(snapshot: PivotRates, base: string, quote: string): string | undefined {
  if (base === quote) return '1';
  const b = perPivot(snapshot, base);
  const q = perPivot(snapshot, quote);
  if (b === undefined || q === undefined) return undefined;
  return roundRate(new D(q).div(new D(b)), RATE_SIGNIFICANT_DIGITS);
}
