import Decimal from 'decimal.js';
import { ECB_REFERENCE_SNAPSHOT } from '../../apps/fx/src/domain/ecb-snapshot.data';

/** The expected cross rate, recomputed here from EUR-pivot rates (default: the ECB snapshot) independently of libs/money. */
export function expectedRate(base: string, quote: string, rates: Record<string, string> = ECB_REFERENCE_SNAPSHOT.rates): string {
  const Dx = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });
  const per = (c: string) => new Dx(c === 'EUR' ? '1' : rates[c]);
  return per(quote).div(per(base)).toSignificantDigits(12, Decimal.ROUND_HALF_EVEN).toFixed();
}

/** amount × rate rounded half-even once to `decimals`, as a fixed-decimals string. */
export function expectedConverted(amount: string, rate: string, decimals: number): string {
  return new Decimal(amount).mul(rate).toDecimalPlaces(decimals, Decimal.ROUND_HALF_EVEN).toFixed(decimals);
}

/** `a + b` of two decimal strings, kept at `decimals` places. */
export function addDecimal(a: string, b: string, decimals = 2): string {
  return new Decimal(a).plus(b).toFixed(decimals);
}

/** bid/ask around a mid with a spread in basis points, each rounded once to 12 significant digits. */
export function expectedSides(mid: string, bps: number): { bid: string; ask: string } {
  const Dx = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });
  const half = new Dx(bps).div(20000);
  const round = (d: Decimal) => d.toSignificantDigits(12, Decimal.ROUND_HALF_EVEN).toFixed();
  return { bid: round(new Dx(mid).mul(new Dx(1).minus(half))), ask: round(new Dx(mid).mul(new Dx(1).plus(half))) };
}
