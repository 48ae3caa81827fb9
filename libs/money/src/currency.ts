import { ISO_4217, type CurrencyInfo } from './iso4217.data';
import { MoneyError, quoteInput } from './money-error';

export type { CurrencyInfo } from './iso4217.data';

const BY_CODE: ReadonlyMap<string, CurrencyInfo> = new Map(ISO_4217.map((c) => [c.code, c]));

/** True if `code` is an upper-case ISO 4217 code present in the table (case-sensitive: 'usd' is not). */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && BY_CODE.has(code);
}

/** Table entry for `code`; throws MoneyError('UNKNOWN_CURRENCY') for anything not in the table. */
export function getCurrency(code: string): CurrencyInfo {
  const info = typeof code === 'string' ? BY_CODE.get(code) : undefined;
  if (info) return info;
  let message = `unknown currency ${quoteInput(code)}; expected an ISO 4217 code such as "USD"`;
  if (typeof code === 'string' && BY_CODE.has(code.toUpperCase())) {
    message += ` (currency codes are upper-case: did you mean "${code.toUpperCase()}"?)`;
  }
  throw new MoneyError('UNKNOWN_CURRENCY', message);
}

/** Number of minor-unit decimals of `code` (USD 2, JPY 0, KWD 3, CLF 4). */
export function currencyExponent(code: string): number {
  return getCurrency(code).exponent;
}

/**
 * All supported currencies as `{code, numeric, exponent, name}`, sorted by code
 * (for `GET /currencies`). A new array on every call, so callers may sort or
 * filter it; the entries themselves are the frozen table rows.
 */
export function listCurrencies(): CurrencyInfo[] {
  return [...ISO_4217];
}

/**
 * Guard for operations that need two amounts in the same currency.
 * Both codes must be known; throws MoneyError('CURRENCY_MISMATCH') if they differ.
 */
export function assertSameCurrency(expected: string, actual: string): void {
  getCurrency(expected);
  getCurrency(actual);
  if (expected !== actual) {
    throw new MoneyError(
      'CURRENCY_MISMATCH',
      `currency ${quoteInput(actual)} does not match the expected currency ${quoteInput(expected)}`,
    );
  }
}
