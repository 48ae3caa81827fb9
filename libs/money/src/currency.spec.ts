import { readFileSync } from 'fs';
import { join } from 'path';
import * as currencyCodes from 'currency-codes';
import { ISO_4217 } from './iso4217.data';
import { assertSameCurrency, currencyExponent, getCurrency, isCurrencyCode, listCurrencies } from './currency';
import { MoneyError } from './money-error';
import { expectMoneyError } from '../test/money-test-helpers';

/** ISO "N.A." minor-unit codes, which currency-codes 2.2.0 reports as digits 0 and we exclude. */
const NO_MINOR_UNIT = ['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX'];

describe('ISO 4217 table', () => {
  const byCode = new Map(ISO_4217.map((c) => [c.code, c]));

  it('lists exactly the "N.A." entries of the ISO XML shipped with currency-codes as excluded', () => {
    const xml = readFileSync(join(require.resolve('currency-codes/package.json'), '..', 'iso-4217-list-one.xml'), 'utf8');
    const na = new Set<string>();
    for (const m of xml.matchAll(/<CcyNtry>([\s\S]*?)<\/CcyNtry>/g)) {
      const code = /<Ccy>([A-Z]{3})<\/Ccy>/.exec(m[1]);
      const units = /<CcyMnrUnts>([^<]*)<\/CcyMnrUnts>/.exec(m[1]);
      if (code && units?.[1] === 'N.A.') na.add(code[1]);
    }
    expect([...na].sort()).toEqual(NO_MINOR_UNIT);
    for (const code of NO_MINOR_UNIT) expect(byCode.has(code)).toBe(false);
  });

  it('contains every currency-codes entry with a minor unit, with the same exponent, numeric code and name', () => {
    const expected = currencyCodes.data.filter((c) => !NO_MINOR_UNIT.includes(c.code));
    expect(expected.length).toBeGreaterThan(150);
    for (const c of expected) {
      expect(Number.isInteger(c.digits)).toBe(true);
      expect(byCode.get(c.code)).toEqual({ code: c.code, numeric: c.number, exponent: c.digits, name: c.currency });
    }
    // Nothing else than those plus the manual additions.
    expect(ISO_4217.length).toBe(expected.length + 1);
  });

  it('adds XCG (Caribbean guilder), which currency-codes 2.2.0 lacks', () => {
    expect(currencyCodes.code('XCG')).toBeUndefined();
    expect(getCurrency('XCG')).toEqual({ code: 'XCG', numeric: '532', exponent: 2, name: 'Caribbean Guilder' });
  });

  it('is sorted by code, unique, and well-formed', () => {
    const codes = ISO_4217.map((c) => c.code);
    expect(codes).toEqual([...codes].sort());
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of ISO_4217) {
      expect(c.code).toMatch(/^[A-Z]{3}$/);
      expect(c.numeric).toMatch(/^[0-9]{3}$/);
      expect(Number.isInteger(c.exponent) && c.exponent >= 0 && c.exponent <= 4).toBe(true);
      expect(c.name.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['ISK', 0],
    ['CLP', 0],
    ['VND', 0],
    ['USD', 2],
    ['EUR', 2],
    ['IDR', 2],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['LYD', 3],
    ['IQD', 3],
    ['CLF', 4],
    ['UYW', 4],
  ])('%s has exponent %i', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it('keeps leading zeros of numeric codes', () => {
    expect(getCurrency('ALL').numeric).toBe('008');
    expect(getCurrency('USD').numeric).toBe('840');
  });
});

describe('currency lookups', () => {
  it('listCurrencies returns the table', () => {
    expect(listCurrencies()).toBe(ISO_4217);
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
