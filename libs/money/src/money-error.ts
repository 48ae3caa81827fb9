/**
 * Every machine-readable reason a money value can be rejected for, one code per
 * rule, so API layers can map them to field errors (`${code}: ${message}`). The
 * `message` is written to be shown to an API user as is: it quotes the input
 * and states the rule that was broken.
 *
 * - UNKNOWN_CURRENCY         not an upper-case ISO 4217 code of the table ("usd", "XAU")
 * - AMOUNT_EMPTY             "" or whitespace only
 * - AMOUNT_NOT_NUMERIC       not a canonical plain decimal ("abc", "+5", " 1", "1,000.00",
 *                            "0x10", "1_000", "01", ".5", "5."); the message names the rule
 * - AMOUNT_EXPONENT_NOTATION "1e2", "1E-3"
 * - AMOUNT_NOT_FINITE        "NaN", "Infinity", "-Infinity", "nan", "inf" (any case)
 * - AMOUNT_TOO_PRECISE       more decimals than the currency's exponent ("1.001" USD, "1.0" JPY)
 * - AMOUNT_NOT_POSITIVE      zero where zero is not allowed ("0", "0.00", "-0"); a rate of zero
 * - AMOUNT_NEGATIVE          a negative amount where negatives are not allowed ("-1.00")
 * - AMOUNT_OUT_OF_RANGE      beyond ±(2^53 − 1) minor units, or absurdly long input
 * - CURRENCY_MISMATCH        two amounts that must share a currency do not
 */
export const MONEY_ERROR_CODES = Object.freeze([
  'UNKNOWN_CURRENCY',
  'AMOUNT_EMPTY',
  'AMOUNT_NOT_NUMERIC',
  'AMOUNT_EXPONENT_NOTATION',
  'AMOUNT_NOT_FINITE',
  'AMOUNT_TOO_PRECISE',
  'AMOUNT_NOT_POSITIVE',
  'AMOUNT_NEGATIVE',
  'AMOUNT_OUT_OF_RANGE',
  'CURRENCY_MISMATCH',
] as const);

/** Machine-readable reason a money value was rejected (see MONEY_ERROR_CODES). */
export type MoneyErrorCode = (typeof MONEY_ERROR_CODES)[number];

/** The one error type thrown for invalid money input (amounts, currencies, rates). */
export class MoneyError extends Error {
  override readonly name = 'MoneyError';

  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Longest slice of caller input echoed back in an error message. */
const MAX_ECHO = 48;

/**
 * Quote a caller-supplied value for an error message: JSON-quoted (so control
 * characters and quotes are escaped) and truncated, so hostile or huge input
 * cannot bloat or forge log lines.
 */
export function quoteInput(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
  return JSON.stringify(cut);
}
