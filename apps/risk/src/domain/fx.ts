import { D, convertMinor, roundRate } from '@paygate/money';

/** Rates are crossed to 12 significant digits, rounded once after the exact cross (as the fx service quotes). */
export const RATE_SIGNIFICANT_DIGITS = 12;

/** A snapshot of rates against one pivot: units of each currency per one pivot unit, exact decimal strings. */
export interface PivotRates {
  pivot: string;
  rates: Readonly<Record<string, string>>;
}

function perPivot(snapshot: PivotRates, currency: string): string | undefined {
  return currency === snapshot.pivot ? '1' : snapshot.rates[currency];
}

/**
 * Units of `quote` per one unit of `base`, crossed through the pivot in exact decimals
 * (quote/pivot ÷ base/pivot at 40 significant digits) and rounded once, half-even, to 12
 * significant digits: the fx service's `crossRate`, copied so risk does not import another
 * app. Undefined when either leg is not quoted.
 */
export function crossRate(snapshot: PivotRates, base: string, quote: string): string | undefined {
  if (base === quote) return '1';
  const b = perPivot(snapshot, base);
  const q = perPivot(snapshot, quote);
  if (b === undefined || q === undefined) return undefined;
  return roundRate(new D(q).div(new D(b)), RATE_SIGNIFICANT_DIGITS);
}

/**
 * Normalises amounts into one reference currency from a rate snapshot, caching the cross
 * rate per currency (a snapshot is immutable: a new one gets a new converter).
 */
export class ReferenceConverter {
  private readonly rates = new Map<string, string | undefined>();

  constructor(
    readonly snapshot: PivotRates | undefined,
    readonly reference: string,
  ) {}

  /** The cross rate `reference` per one `currency`, or undefined when no rate is known. */
  rate(currency: string): string | undefined {
    if (currency === this.reference) return '1';
    if (!this.snapshot) return undefined;
    if (!this.rates.has(currency)) this.rates.set(currency, crossRate(this.snapshot, currency, this.reference));
    return this.rates.get(currency);
  }

  /** `minor` units of `currency` in reference minor units (half-even, once), or undefined when unpriced. */
  convert(minor: bigint, currency: string): bigint | undefined {
    if (currency === this.reference) return minor;
    const rate = this.rate(currency);
    return rate === undefined ? undefined : convertMinor(minor, currency, this.reference, rate);
  }
}
