/**
 * Machine-readable reason a money value was rejected. API layers can map these
 * to field errors; the `message` is written to be shown to an API user as is.
 */
export type MoneyErrorCode =
  | 'UNKNOWN_CURRENCY'
  | 'AMOUNT_EMPTY'
  | 'AMOUNT_NOT_NUMERIC'
  | 'AMOUNT_EXPONENT_NOTATION'
  | 'AMOUNT_NOT_FINITE'
  | 'AMOUNT_TOO_PRECISE'
  | 'AMOUNT_NOT_POSITIVE'
  | 'AMOUNT_NEGATIVE'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'CURRENCY_MISMATCH';

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
