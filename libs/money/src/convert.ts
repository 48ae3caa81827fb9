import { assertSafeMinor } from './amount';
import { getCurrency } from './currency';
import { decimalFromScaled } from './decimal';
import { MoneyError, quoteInput } from './money-error';
import { roundDecimalToMinor, type RoundingMode } from './rounding';

/** Longest accepted rate string (rates come from roundRate, e.g. 12 significant digits). */
export const MAX_RATE_LENGTH = 64;

/** Positive plain decimal: no sign, no exponent, no leading zeros except a lone `0` before the dot. */
const PLAIN_RATE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const EXPONENT_FORM = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/;

/**
 * Convert `amountMinor` (minor units of `from`) into minor units of `to`, where
 * `rate` is the price of one major unit of `from` in major units of `to`
 * (e.g. from EUR to USD at "1.0842").
 *
 * The product amount × rate is computed exactly (bigint), then rounded ONCE to
 * the target currency's exponent with `mode` via `roundDecimalToMinor`. For a
 * fixed rate the result is monotonic in the amount for every mode.
 *
 * @throws MoneyError UNKNOWN_CURRENCY; AMOUNT_OUT_OF_RANGE (input or result beyond
 *   ±MAX_MINOR, or rate longer than MAX_RATE_LENGTH); AMOUNT_NOT_NUMERIC /
 *   AMOUNT_EXPONENT_NOTATION / AMOUNT_NOT_POSITIVE for a rate that is not a
 *   positive plain decimal string.
 */
export function convertMinor(amountMinor: bigint, from: string, to: string, rate: string, mode: RoundingMode = 'HALF_EVEN'): bigint {
  const source = getCurrency(from);
  getCurrency(to); // validate early; roundDecimalToMinor uses its exponent
  assertSafeMinor(amountMinor);
  const { unscaled: rateUnscaled, scale: rateScale } = parseRate(rate);

  // amountMinor / 10^e_from × rateUnscaled / 10^rateScale, kept exact as (integer, scale).
  const product = decimalFromScaled(amountMinor * rateUnscaled, source.exponent + rateScale);
  return roundDecimalToMinor(product, to, mode);
}

/** Validate a rate string and split it into an integer and a decimal scale: "1.0842" → (10842n, 4). */
function parseRate(rate: string): { unscaled: bigint; scale: number } {
  if (typeof rate !== 'string') {
    throw new MoneyError('AMOUNT_NOT_NUMERIC', `rate must be a decimal string such as "1.0842", got ${typeof rate}`);
  }
  if (rate.length > MAX_RATE_LENGTH) {
    throw new MoneyError('AMOUNT_OUT_OF_RANGE', `rate is too long (${rate.length} characters, at most ${MAX_RATE_LENGTH})`);
  }
  const match = PLAIN_RATE.exec(rate);
  if (!match) {
    if (EXPONENT_FORM.test(rate)) {
      throw new MoneyError('AMOUNT_EXPONENT_NOTATION', `rate ${quoteInput(rate)} uses exponent notation; write it as a plain decimal`);
    }
    throw new MoneyError('AMOUNT_NOT_NUMERIC', `rate ${quoteInput(rate)} is not a positive plain decimal number such as "1.0842"`);
  }
  const [, integerPart, fraction = ''] = match;
  const unscaled = BigInt(integerPart + fraction);
  if (unscaled === 0n) {
    throw new MoneyError('AMOUNT_NOT_POSITIVE', `rate ${quoteInput(rate)} must be greater than zero`);
  }
  return { unscaled, scale: fraction.length };
}
