import { ISO_4217 } from './iso4217.data';
import { assertSameCurrency, currencyExponent, getCurrency, isCurrencyCode, listCurrencies } from './currency';
import { MoneyError } from './money-error';
import { expectMoneyError } from '../test/money-test-helpers';

describe('currency lookups', () => {
  it('listCurrencies returns a copy of the table (details in iso4217.spec.ts)', () => {
    expect(listCurrencies()).toEqual([...ISO_4217]);
    expect(listCurrencies()).not.toBe(ISO_4217);
  });

  it('table entries cannot be mutated', () => {
    expect(Object.isFrozen(ISO_4217)).toBe(true);
    expect(Object.isFrozen(getCurrency('USD'))).toBe(true);
  });

  it.each([['USD'], ['JPY'], ['XCG'], ['CLF']])('isCurrencyCode(%j) is true', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });

  it.each([['usd'], ['Usd'], ['US'], ['USDX'], [' USD'], [''], ['XAU'], ['XXX'], ['ABC'], ['__proto__'], [840], [null], [undefined], [{}]])(
    'isCurrencyCode(%j) is false',
    (code) => {
      expect(isCurrencyCode(code)).toBe(false);
    },
  );

  it('getCurrency rejects unknown codes with UNKNOWN_CURRENCY', () => {
    expect(expectMoneyError(() => getCurrency('ABC'), 'UNKNOWN_CURRENCY').message).toBe(
      'unknown currency "ABC"; expected an ISO 4217 code such as "USD"',
    );
    expect(expectMoneyError(() => getCurrency('usd'), 'UNKNOWN_CURRENCY').message).toContain('did you mean "USD"?');
    expectMoneyError(() => getCurrency('XAU'), 'UNKNOWN_CURRENCY');
    expectMoneyError(() => currencyExponent('toString'), 'UNKNOWN_CURRENCY');
  });

  it.each<[unknown, string]>([
    [840, '"840"'],
    [null, '"null"'],
    [undefined, '"undefined"'],
  ])('getCurrency(%p) (not a string) is UNKNOWN_CURRENCY too, never a TypeError', (code, quoted) => {
    expect(expectMoneyError(() => getCurrency(code as string), 'UNKNOWN_CURRENCY').message).toBe(
      `unknown currency ${quoted}; expected an ISO 4217 code such as "USD"`,
    );
  });

  it('getCurrency echoes at most 48 characters of a bogus code', () => {
    expect(expectMoneyError(() => getCurrency('X'.repeat(1000)), 'UNKNOWN_CURRENCY').message).toBe(
      `unknown currency "${'X'.repeat(48)}…"; expected an ISO 4217 code such as "USD"`,
    );
  });

  it('assertSameCurrency throws CURRENCY_MISMATCH for different known codes', () => {
    expect(() => assertSameCurrency('USD', 'USD')).not.toThrow();
    expect(expectMoneyError(() => assertSameCurrency('USD', 'EUR'), 'CURRENCY_MISMATCH').message).toBe(
      'currency "EUR" does not match the expected currency "USD"',
    );
    expectMoneyError(() => assertSameCurrency('USD', 'usd'), 'UNKNOWN_CURRENCY');
  });

  it('MoneyError is a proper Error', () => {
    const e = new MoneyError('AMOUNT_EMPTY', 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('MoneyError');
    expect(e.code).toBe('AMOUNT_EMPTY');
    expect(e.message).toBe('x');
  });
});
