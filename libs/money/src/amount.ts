import { getCurrency } from './currency';
import { MoneyError, quoteInput } from './money-error';

/**
 * Largest absolute amount in minor units: 2^53 - 1. Staying inside the range
 * where JS numbers are still exact keeps amounts safe for JSON consumers, for
 * Postgres `bigint` columns and for any component that still uses `number`.
 */
export const MAX_MINOR = 9_007_199_254_740_991n;

/** Input longer than this is rejected before any parsing work (no valid amount comes close). */
export const MAX_AMOUNT_LENGTH = 40;

export interface ParseAmountOptions {
  /** Accept zero (default false: amounts must be positive). */
  allowZero?: boolean;
  /** Accept negative amounts such as `-1.00` (default false). */
  allowNegative?: boolean;
}

/**
 * Canonical plain decimal: optional `-`, integer part without leading zeros
 * (`0` alone is fine), optional `.` followed by at least one digit. ASCII digits only.
 */
const PLAIN_DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
/** Number-like text with an exponent (`1e2`, `1.5E-3`), rejected with a specific code. */
const EXPONENT_FORM = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/;
/** What `String(number)` or other languages print for non-finite values. */
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
/** Non-empty input made of whitespace only (JS `\s`: ASCII and Unicode spaces, line breaks). */
const WHITESPACE_ONLY = /^\s+$/;
/** Digits and dots with digit-grouping or decimal-comma separators: "1,000.00", "1_000", "1 000", "1'000", "1.000,50", "1,5". */
const GROUPED_DIGITS = /^[0-9](?=.*[,_'\s\u00a0\u202f])[0-9.,_'\s\u00a0\u202f]*[0-9.]$/;

/** The rule a non-canonical amount breaks, for the AMOUNT_NOT_NUMERIC message. */
function plainDecimalRule(input: string): string {
  if (/^\s|\s$/.test(input)) return 'leading or trailing whitespace is not allowed';
  if (input.startsWith('+')) return 'a leading "+" is not allowed (positive amounts carry no sign)';
  const body = input.startsWith('-') ? input.slice(1) : input;
  if (/^0[xob]/i.test(body)) return 'only base-10 digits are allowed (no hexadecimal, octal or binary literals)';
  if (GROUPED_DIGITS.test(body)) {
    return 'digit grouping such as "1,000.00" or "1_000" is not allowed, and "." is the only decimal separator (write "1000.00")';
  }
  if (/^0[0-9]+(?:\.[0-9]+)?$/.test(body)) return 'leading zeros are not allowed (write "12.50", not "012.50")';
  if (/^\.[0-9]+$/.test(body)) return 'a digit is required before the decimal point (write "0.5", not ".5")';
  if (/^[0-9]+\.$/.test(body)) return 'a digit is required after the decimal point (write "5" or "5.00", not "5.")';
  if (/^[0-9]*(?:\.[0-9]*){2,}$/.test(body)) return 'only one decimal point is allowed';
  if (/^[\p{Nd}.]+$/u.test(body) && /[^0-9.]/.test(body)) return 'only the ASCII digits 0-9 are allowed';
  return 'expected digits with an optional "." and decimals, such as "12.34"';
}

/**
 * Parse an exact decimal amount in major units (`"123.45"`) into integer minor
 * units of `currency` (`12345n` for USD). The input must be the canonical
 * plain form, and every way of missing it has its own error code:
 *
 * | input                                   | result                      |
 * |-----------------------------------------|-----------------------------|
 * | `""`, `"   "`                           | AMOUNT_EMPTY                |
 * | `"NaN"`, `"nan"`, `"-Infinity"`, `"inf"`| AMOUNT_NOT_FINITE           |
 * | `"1e2"`, `"1E-3"`, `"1.5e3"`            | AMOUNT_EXPONENT_NOTATION    |
 * | `"1.001"` USD, `"1.0"` JPY              | AMOUNT_TOO_PRECISE          |
 * | `"0"`, `"0.00"`, `"-0"` (no allowZero)  | AMOUNT_NOT_POSITIVE         |
 * | `"-1.00"` (no allowNegative)            | AMOUNT_NEGATIVE             |
 * | beyond ±MAX_MINOR minor units, > 40 chars | AMOUNT_OUT_OF_RANGE       |
 * | anything else that is not canonical     | AMOUNT_NOT_NUMERIC          |
 *
 * AMOUNT_NOT_NUMERIC covers, each with a message naming the rule: `" 1"` /
 * `"1 "` (whitespace), `"+5"` (no plus sign), `"1,000.00"` / `"1_000"` / `"1 000"`
 * (no digit grouping; `.` is the only decimal separator), `"0x10"` (base 10
 * only), `"00012.50"` / `"01"` (no leading zeros), `".5"` (a digit before the
 * point), `"5."` (a digit after the point), non-ASCII digits, and garbage.
 * Trailing zeros are accepted up to the exponent (`"1.50"`, `"1.5"` USD) but
 * never dropped beyond it (USD `"1.000"` and JPY `"1.0"` are AMOUNT_TOO_PRECISE).
 * `"-0"` / `"-0.00"` are zero (governed by allowZero only) and parse to `0n`.
 *
 * Checks run in this order: currency, type, empty, length, syntax, decimals,
 * zero, sign, range; the first rule broken is reported.
 *
 * @throws MoneyError with codes UNKNOWN_CURRENCY, AMOUNT_EMPTY,
 *   AMOUNT_NOT_NUMERIC, AMOUNT_NOT_FINITE, AMOUNT_EXPONENT_NOTATION,
 *   AMOUNT_TOO_PRECISE, AMOUNT_NOT_POSITIVE, AMOUNT_NEGATIVE, AMOUNT_OUT_OF_RANGE.
 */
export function parseAmount(input: string, currency: string, opts: ParseAmountOptions = {}): bigint {
  const { code, exponent } = getCurrency(currency);

  if (typeof input !== 'string') {
    throw new MoneyError('AMOUNT_NOT_NUMERIC', `amount must be a decimal string such as "12.34", got ${typeof input}`);
  }
  if (input === '') {
    throw new MoneyError('AMOUNT_EMPTY', 'amount is empty; expected a decimal string such as "12.34"');
  }
  if (input.length > MAX_AMOUNT_LENGTH) {
    throw new MoneyError('AMOUNT_OUT_OF_RANGE', `amount is too long (${input.length} characters, at most ${MAX_AMOUNT_LENGTH})`);
  }
  if (WHITESPACE_ONLY.test(input)) {
    throw new MoneyError('AMOUNT_EMPTY', `amount ${quoteInput(input)} is only whitespace; expected a decimal string such as "12.34"`);
  }

  const match = PLAIN_DECIMAL.exec(input);
  if (!match) {
    if (NON_FINITE.test(input)) {
      throw new MoneyError('AMOUNT_NOT_FINITE', `amount ${quoteInput(input)} is not a finite number`);
    }
    if (EXPONENT_FORM.test(input)) {
      throw new MoneyError(
        'AMOUNT_EXPONENT_NOTATION',
        `amount ${quoteInput(input)} uses exponent notation; write it as a plain decimal such as "12.34"`,
      );
    }
    throw new MoneyError('AMOUNT_NOT_NUMERIC', `amount ${quoteInput(input)} is not a plain decimal number; ${plainDecimalRule(input)}`);
  }

  const [, sign, integerPart, fraction = ''] = match;
  if (fraction.length > exponent) {
    const allowed = exponent === 0 ? `${code} does not allow decimals` : `${code} allows at most ${exponent}`;
    throw new MoneyError(
      'AMOUNT_TOO_PRECISE',
      `amount ${quoteInput(input)} has ${fraction.length} decimal${fraction.length === 1 ? '' : 's'} but ${allowed}`,
    );
  }

  const magnitude = BigInt(integerPart + fraction.padEnd(exponent, '0'));
  if (magnitude === 0n) {
    // "-0" / "-0.00" is just zero: no sign on zero.
    if (!opts.allowZero) {
      throw new MoneyError('AMOUNT_NOT_POSITIVE', `amount ${quoteInput(input)} must be greater than zero`);
    }
    return 0n;
  }
  if (sign === '-' && !opts.allowNegative) {
    throw new MoneyError('AMOUNT_NEGATIVE', `amount ${quoteInput(input)} must not be negative`);
  }
  if (magnitude > MAX_MINOR) {
    throw new MoneyError(
      'AMOUNT_OUT_OF_RANGE',
      `amount ${quoteInput(input)} is out of range; ${code} amounts must be at most ${formatUnchecked(MAX_MINOR, exponent)} in absolute value`,
    );
  }
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * Format integer minor units as a plain decimal string in major units with
 * exactly the currency's number of decimals: `12345n USD → "123.45"`,
 * `-5n USD → "-0.05"`, `100n JPY → "100"`, `1n CLF → "0.0001"`.
 * The output always parses back with `parseAmount` (given allowZero/allowNegative).
 *
 * @throws MoneyError UNKNOWN_CURRENCY, AMOUNT_OUT_OF_RANGE (|minor| > MAX_MINOR).
 */
export function formatAmount(minor: bigint, currency: string): string {
  const { exponent } = getCurrency(currency);
  assertSafeMinor(minor);
  return formatUnchecked(minor, exponent);
}

/**
 * Guard for minor-unit values crossing into this library: must be a bigint
 * with |minor| <= MAX_MINOR. Throws TypeError for a non-bigint (a programming
 * error) and MoneyError('AMOUNT_OUT_OF_RANGE') for an out-of-range value.
 */
export function assertSafeMinor(minor: bigint, what = 'amount'): void {
  if (typeof minor !== 'bigint') {
    throw new TypeError(`${what} in minor units must be a bigint, got ${typeof minor}`);
  }
  if (minor > MAX_MINOR || minor < -MAX_MINOR) {
    throw new MoneyError('AMOUNT_OUT_OF_RANGE', `${what} ${minor} minor units is out of range (|value| <= ${MAX_MINOR})`);
  }
}

function formatUnchecked(minor: bigint, exponent: number): string {
  const sign = minor < 0n ? '-' : '';
  const digits = (minor < 0n ? -minor : minor).toString();
  if (exponent === 0) return sign + digits;
  // Pad so there is at least one integer digit: 5n with exponent 2 → "005" → "0.05".
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}
