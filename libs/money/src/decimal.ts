import { Decimal } from 'decimal.js';

export type { Decimal } from 'decimal.js';

/**
 * The money library's private decimal.js constructor. Use `new D('1.23')`, never
 * the global `Decimal`, whose settings any other code may change.
 *
 * - precision 40 / HALF_EVEN only applies to arithmetic like `times`/`div`.
 *   The money paths in this library never depend on it: they build exact values
 *   (see `decimalFromScaled`) and round with explicit decimal places.
 * - toExpNeg/toExpPos are pushed to their limits so `toString()` never switches to
 *   exponent notation (plain decimal strings only, in and out).
 */
export const D = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

/** Exact value `unscaled × 10^-scale` as a Decimal (no rounding, any number of digits). */
export function decimalFromScaled(unscaled: bigint, scale: number): Decimal {
  // The constructor keeps every digit of a string; only arithmetic rounds to `precision`.
  return new D(`${unscaled}e${-scale}`);
}
