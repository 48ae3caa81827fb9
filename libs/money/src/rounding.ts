import { MAX_MINOR } from './amount';
import { getCurrency } from './currency';
import { D, type Decimal } from './decimal';
import { MoneyError, quoteInput } from './money-error';

/**
 * Rounding modes, with java.math.RoundingMode semantics:
 * - HALF_EVEN: nearest, ties to the even neighbour (banker's rounding; the default)
 * - HALF_UP:   nearest, ties away from zero
 * - DOWN:      towards zero (truncate)
 * - UP:        away from zero
 * - FLOOR:     towards -infinity
 * - CEILING:   towards +infinity
 */
export type RoundingMode = 'HALF_EVEN' | 'HALF_UP' | 'DOWN' | 'UP' | 'FLOOR' | 'CEILING';

const DECIMAL_JS_MODE: Readonly<Record<RoundingMode, Decimal.Rounding>> = {
  HALF_EVEN: D.ROUND_HALF_EVEN,
  HALF_UP: D.ROUND_HALF_UP,
  DOWN: D.ROUND_DOWN,
  UP: D.ROUND_UP,
  FLOOR: D.ROUND_FLOOR,
  CEILING: D.ROUND_CEIL,
};

export const ROUNDING_MODES: readonly RoundingMode[] = Object.freeze(Object.keys(DECIMAL_JS_MODE) as RoundingMode[]);

/** Plain decimal accepted as a string value to round (any number of decimals, leading zeros allowed). */
const PLAIN_DECIMAL = /^-?[0-9]+(?:\.[0-9]+)?$/;

/**
 * THE rounding function of the product: take an exact decimal amount in MAJOR
 * units and return minor units of `currency`, rounded exactly once with `mode`
 * (`0.125` USD → 12n, `0.135` USD → 14n under HALF_EVEN).
 *
 * The rounding is done directly at the currency's decimal places, so it is exact
 * whatever the number of digits of `value` (it does not go through D's precision).
 *
 * @throws MoneyError UNKNOWN_CURRENCY; AMOUNT_NOT_NUMERIC (string that is not a
 *   plain decimal); AMOUNT_NOT_FINITE (NaN/±Infinity Decimal); AMOUNT_OUT_OF_RANGE
 *   (rounded result beyond ±MAX_MINOR).
 */
export function roundDecimalToMinor(value: Decimal | string, currency: string, mode: RoundingMode = 'HALF_EVEN'): bigint {
  const { code, exponent } = getCurrency(currency);
  if (!Object.hasOwn(DECIMAL_JS_MODE, mode)) throw new RangeError(`unknown rounding mode ${quoteInput(mode)}`);

  const exact = toExactDecimal(value);
  // Cheap magnitude guard before rounding, so absurd values never get expanded to digits.
  const maxMajor = new D(`${MAX_MINOR}e${-exponent}`);
  if (exact.abs().gt(maxMajor.plus(1))) throw outOfRange(exact, code);

  const rounded = exact.toDecimalPlaces(exponent, DECIMAL_JS_MODE[mode]);
  if (rounded.abs().gt(maxMajor)) throw outOfRange(exact, code);
  // `rounded` has at most `exponent` decimals: its fixed form without the dot is the
  // minor value ("-0.05" → "-005" → -5n; "-0.00" → 0n, bigint has no negative zero).
  return BigInt(rounded.toFixed(exponent).replace('.', ''));
}

/**
 * Round an exchange rate half-even to `significantDigits` significant digits and
 * return it as a plain decimal string without trailing zeros and never in
 * exponent notation: `16190.17200885559` (15) → `'16190.1720088556'`,
 * `6.176294e-5` (6) → `'0.0000617629'`.
 */
export function roundRate(value: Decimal, significantDigits = 12): string {
  if (!Number.isInteger(significantDigits) || significantDigits < 1 || significantDigits > 1000) {
    throw new RangeError(`significantDigits must be an integer from 1 to 1000, got ${significantDigits}`);
  }
  const exact = toExactDecimal(value);
  // toFixed() without arguments prints every digit in normal notation; decimal.js
  // keeps no trailing zeros, so none are printed.
  return exact.toSignificantDigits(significantDigits, D.ROUND_HALF_EVEN).toFixed();
}

/** Copy into a D instance (digits are copied, not rounded) after checking it is a finite plain value. */
function toExactDecimal(value: Decimal | string): Decimal {
  if (typeof value === 'string') {
    if (!PLAIN_DECIMAL.test(value)) {
      throw new MoneyError('AMOUNT_NOT_NUMERIC', `value ${quoteInput(value)} is not a plain decimal number`);
    }
    return new D(value);
  }
  if (!D.isDecimal(value)) {
    throw new TypeError(`expected a Decimal or a decimal string, got ${typeof value}`);
  }
  if (!value.isFinite()) {
    throw new MoneyError('AMOUNT_NOT_FINITE', `value ${quoteInput(value.toString())} is not a finite number`);
  }
  return new D(value);
}

function outOfRange(value: Decimal, code: string): MoneyError {
  const shown = value.abs().gt(1e30) ? value.toExponential(6) : value.toFixed();
  return new MoneyError(
    'AMOUNT_OUT_OF_RANGE',
    `${code} amount ${quoteInput(shown)} is out of range (at most ${MAX_MINOR} minor units in absolute value)`,
  );
}
