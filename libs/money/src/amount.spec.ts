import fc from 'fast-check';
import { assertSafeMinor, formatAmount, MAX_AMOUNT_LENGTH, MAX_MINOR, parseAmount, type ParseAmountOptions } from './amount';
import { ISO_4217 } from './iso4217.data';
import { assertSameCurrency } from './currency';
import { MONEY_ERROR_CODES, type MoneyErrorCode } from './money-error';
import { expectMoneyError } from '../test/money-test-helpers';

const ANY = { allowZero: true, allowNegative: true } as const;

/** A rejection table row (an object, so jest does not mistake a 4th argument for `done`). */
function rejection(input: string, currency: string, code: MoneyErrorCode, opts?: ParseAmountOptions) {
  return { input, currency, code, opts };
}

describe('parseAmount', () => {
  it.each<[string, string, bigint]>([
    ['123', 'USD', 12300n],
    ['123.4', 'USD', 12340n],
    ['123.45', 'USD', 12345n],
    ['0.5', 'USD', 50n],
    ['0.01', 'USD', 1n],
    ['10', 'USD', 1000n],
    ['100', 'JPY', 100n],
    ['1.234', 'KWD', 1234n],
    ['1.2', 'KWD', 1200n],
    ['0.0001', 'CLF', 1n],
    ['90071992547409.91', 'USD', MAX_MINOR],
    ['9007199254740991', 'JPY', MAX_MINOR],
    ['900719925474.0991', 'CLF', MAX_MINOR],
  ])('parses %j %s as %p', (input, currency, expected) => {
    expect(parseAmount(input, currency)).toBe(expected);
  });

  it('accepts negatives and zero only when allowed', () => {
    expect(parseAmount('-1.00', 'USD', { allowNegative: true })).toBe(-100n);
    expect(parseAmount('-0.05', 'USD', { allowNegative: true })).toBe(-5n);
    expect(parseAmount('-90071992547409.91', 'USD', ANY)).toBe(-MAX_MINOR);
    expect(parseAmount('-9007199254740991', 'JPY', ANY)).toBe(-MAX_MINOR);
    expect(parseAmount('0', 'USD', { allowZero: true })).toBe(0n);
    expect(parseAmount('0.00', 'USD', { allowZero: true })).toBe(0n);
    // "-0" is zero, not a negative amount: governed by allowZero only.
    expect(parseAmount('-0.00', 'USD', { allowZero: true })).toBe(0n);
  });

  it.each([
    rejection('', 'USD', 'AMOUNT_EMPTY'),
    rejection('', 'USD', 'AMOUNT_EMPTY', ANY),
    rejection(' ', 'USD', 'AMOUNT_EMPTY'),
    rejection('   ', 'USD', 'AMOUNT_EMPTY'),
    rejection('\t\n', 'USD', 'AMOUNT_EMPTY'),
    rejection('\u00a0', 'USD', 'AMOUNT_EMPTY'), // no-break space
    rejection('NaN', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('nan', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('NAN', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('-nan', 'USD', 'AMOUNT_NOT_FINITE', ANY),
    rejection('Infinity', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('infinity', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('+Infinity', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('-Infinity', 'USD', 'AMOUNT_NOT_FINITE', ANY),
    rejection('-Infinity', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('inf', 'USD', 'AMOUNT_NOT_FINITE'),
    rejection('-INF', 'USD', 'AMOUNT_NOT_FINITE', ANY),
    rejection('1e2', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('1E2', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('1E-3', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('1E-2', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('1.5e3', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('-1e+2', 'USD', 'AMOUNT_EXPONENT_NOTATION', ANY),
    rejection('.5e1', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('0e0', 'USD', 'AMOUNT_EXPONENT_NOTATION', ANY),
    rejection('12.5e3', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('.25e1', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('1e10', 'USD', 'AMOUNT_EXPONENT_NOTATION'),
    rejection('x1e2', 'USD', 'AMOUNT_NOT_NUMERIC'), // not a number with an exponent: garbage
    rejection('1e2x', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('$NaN', 'USD', 'AMOUNT_NOT_NUMERIC'), // e.g. `$${NaN}`: garbage that ends with "NaN", not a non-finite number
    rejection('information', 'USD', 'AMOUNT_NOT_NUMERIC'), // starts with "inf"
    rejection('1,000.00', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1.000,50', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1 000', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection("1'000", 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('0X1F', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('0b101', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('0o17', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('+1.00', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('+0', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('00012.50', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('-01', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('00', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('-.5', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('.', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('12 .5', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('\t1.00', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1.00\u00a0', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('$1.00', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1.00 USD', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('0x10', 'JPY', 'AMOUNT_NOT_NUMERIC'),
    rejection('abc', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1.2.3', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('.5', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('5.', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('+5', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('0x10', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1_000', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1,000', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1,5', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection(' 1', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1 ', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('1\n', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('-', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('--1', 'USD', 'AMOUNT_NOT_NUMERIC', ANY),
    rejection('01', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('00.5', 'USD', 'AMOUNT_NOT_NUMERIC'),
    rejection('١٢٣', 'USD', 'AMOUNT_NOT_NUMERIC'), // Arabic-Indic digits
    rejection('１２', 'USD', 'AMOUNT_NOT_NUMERIC'), // full-width digits
    rejection('1.000', 'USD', 'AMOUNT_TOO_PRECISE'),
    rejection('1.234', 'USD', 'AMOUNT_TOO_PRECISE'),
    rejection('1.0', 'JPY', 'AMOUNT_TOO_PRECISE'),
    rejection('1.2345', 'KWD', 'AMOUNT_TOO_PRECISE'),
    rejection('1.00001', 'CLF', 'AMOUNT_TOO_PRECISE'),
    rejection('0', 'USD', 'AMOUNT_NOT_POSITIVE'),
    rejection('0.00', 'USD', 'AMOUNT_NOT_POSITIVE'),
    rejection('-0', 'USD', 'AMOUNT_NOT_POSITIVE', { allowNegative: true }),
    rejection('-1.00', 'USD', 'AMOUNT_NEGATIVE'),
    rejection('-1.00', 'USD', 'AMOUNT_NEGATIVE', { allowZero: true }),
    rejection('90071992547409.92', 'USD', 'AMOUNT_OUT_OF_RANGE'),
    rejection('-90071992547409.92', 'USD', 'AMOUNT_OUT_OF_RANGE', ANY),
    rejection('9007199254740992', 'JPY', 'AMOUNT_OUT_OF_RANGE'),
    rejection('-9007199254740992', 'JPY', 'AMOUNT_OUT_OF_RANGE', ANY),
    rejection('900719925474.0992', 'CLF', 'AMOUNT_OUT_OF_RANGE'),
    rejection('1'.repeat(MAX_AMOUNT_LENGTH + 1), 'USD', 'AMOUNT_OUT_OF_RANGE'),
    rejection('1.00', 'usd', 'UNKNOWN_CURRENCY'),
    rejection('1.00', 'XAU', 'UNKNOWN_CURRENCY'),
  ])('rejects $input $currency with $code', ({ input, currency, code, opts }) => {
    expectMoneyError(() => parseAmount(input, currency, opts), code);
  });

  it('rejects over-long input before parsing it', () => {
    expectMoneyError(() => parseAmount('1'.repeat(MAX_AMOUNT_LENGTH), 'USD'), 'AMOUNT_OUT_OF_RANGE'); // parsed, too large
    // The cap is inclusive: MAX_AMOUNT_LENGTH characters are still parsed and get the specific error.
    const atCap = `1.${'0'.repeat(MAX_AMOUNT_LENGTH - 2)}`;
    expect(expectMoneyError(() => parseAmount(atCap, 'USD'), 'AMOUNT_TOO_PRECISE').message).toBe(
      `amount "${atCap}" has 38 decimals but USD allows at most 2`,
    );
    expect(expectMoneyError(() => parseAmount(`${atCap}0`, 'USD'), 'AMOUNT_OUT_OF_RANGE').message).toBe(
      'amount is too long (41 characters, at most 40)',
    );
    expectMoneyError(() => parseAmount(' '.repeat(1_000_000), 'USD'), 'AMOUNT_OUT_OF_RANGE'); // length cap
    expect(expectMoneyError(() => parseAmount('9'.repeat(1_000_000), 'USD'), 'AMOUNT_OUT_OF_RANGE').message).toBe(
      'amount is too long (1000000 characters, at most 40)',
    );
  });

  it('rejects non-string input at runtime', () => {
    expect(expectMoneyError(() => parseAmount(12.5 as unknown as string, 'USD'), 'AMOUNT_NOT_NUMERIC').message).toBe(
      'amount must be a decimal string such as "12.34", got number',
    );
  });

  it('explains rejections clearly', () => {
    expect(expectMoneyError(() => parseAmount('1.234', 'USD'), 'AMOUNT_TOO_PRECISE').message).toBe(
      'amount "1.234" has 3 decimals but USD allows at most 2',
    );
    expect(expectMoneyError(() => parseAmount('1.0', 'JPY'), 'AMOUNT_TOO_PRECISE').message).toBe(
      'amount "1.0" has 1 decimal but JPY does not allow decimals',
    );
    expect(expectMoneyError(() => parseAmount('1e2', 'USD'), 'AMOUNT_EXPONENT_NOTATION').message).toBe(
      'amount "1e2" uses exponent notation; write it as a plain decimal such as "12.34"',
    );
    expect(expectMoneyError(() => parseAmount('90071992547409.92', 'USD'), 'AMOUNT_OUT_OF_RANGE').message).toBe(
      'amount "90071992547409.92" is out of range; USD amounts must be at most 90071992547409.91 in absolute value',
    );
    expect(expectMoneyError(() => parseAmount('-5', 'USD'), 'AMOUNT_NEGATIVE').message).toBe('amount "-5" must not be negative');
    expect(expectMoneyError(() => parseAmount('0', 'USD'), 'AMOUNT_NOT_POSITIVE').message).toBe('amount "0" must be greater than zero');
  });

  it.each<[string, string]>([
    [' 1', 'leading or trailing whitespace is not allowed'],
    ['1.00\n', 'leading or trailing whitespace is not allowed'],
    ['+5', 'a leading "+" is not allowed (positive amounts carry no sign)'],
    ['0x10', 'only base-10 digits are allowed (no hexadecimal, octal or binary literals)'],
    ['1_000', 'digit grouping such as "1,000.00" or "1_000" is not allowed, and "." is the only decimal separator (write "1000.00")'],
    ['1,000.00', 'digit grouping such as "1,000.00" or "1_000" is not allowed, and "." is the only decimal separator (write "1000.00")'],
    ['1,5', 'digit grouping such as "1,000.00" or "1_000" is not allowed, and "." is the only decimal separator (write "1000.00")'],
    ['00012.50', 'leading zeros are not allowed (write "12.50", not "012.50")'],
    ['.5', 'a digit is required before the decimal point (write "0.5", not ".5")'],
    ['5.', 'a digit is required after the decimal point (write "5" or "5.00", not "5.")'],
    ['1.2.3', 'only one decimal point is allowed'],
    ['١٢٣', 'only the ASCII digits 0-9 are allowed'],
    ['abc', 'expected digits with an optional "." and decimals, such as "12.34"'],
    ['--1', 'expected digits with an optional "." and decimals, such as "12.34"'],
    // Each rule applies to the whole input (its advice must fix it), whatever the sign:
    ['1 000', 'digit grouping such as "1,000.00" or "1_000" is not allowed, and "." is the only decimal separator (write "1000.00")'],
    ['12 .5', 'digit grouping such as "1,000.00" or "1_000" is not allowed, and "." is the only decimal separator (write "1000.00")'],
    ['-0x10', 'only base-10 digits are allowed (no hexadecimal, octal or binary literals)'],
    ['01', 'leading zeros are not allowed (write "12.50", not "012.50")'],
    ['-007', 'leading zeros are not allowed (write "12.50", not "012.50")'],
    ['.25', 'a digit is required before the decimal point (write "0.5", not ".5")'],
    ['12.', 'a digit is required after the decimal point (write "5" or "5.00", not "5.")'],
    ['12.34.56', 'only one decimal point is allowed'],
    ['01.2.3', 'only one decimal point is allowed'],
    ['.5.5', 'only one decimal point is allowed'],
    ['1.2.', 'only one decimal point is allowed'],
    ['1.2.05', 'only one decimal point is allowed'],
    // ...and garbage that merely contains a pattern gets the generic message, not misleading advice.
    ['100x', 'expected digits with an optional "." and decimals, such as "12.34"'],
    ['v1.2.3', 'expected digits with an optional "." and decimals, such as "12.34"'],
    ['1.2.3-rc', 'expected digits with an optional "." and decimals, such as "12.34"'],
    ['1.00 USD', 'expected digits with an optional "." and decimals, such as "12.34"'],
    ['$1,000.00', 'expected digits with an optional "." and decimals, such as "12.34"'],
    ['١٢٣ USD', 'expected digits with an optional "." and decimals, such as "12.34"'],
  ])('says which rule %j breaks', (input, rule) => {
    expect(expectMoneyError(() => parseAmount(input, 'USD', ANY), 'AMOUNT_NOT_NUMERIC').message).toBe(
      `amount ${JSON.stringify(input)} is not a plain decimal number; ${rule}`,
    );
  });

  it('reports whitespace-only input as empty, quoting it', () => {
    expect(expectMoneyError(() => parseAmount('  ', 'USD'), 'AMOUNT_EMPTY').message).toBe(
      'amount "  " is only whitespace; expected a decimal string such as "12.34"',
    );
    expect(expectMoneyError(() => parseAmount('nan', 'USD'), 'AMOUNT_NOT_FINITE').message).toBe('amount "nan" is not a finite number');
  });

  it('accepts trailing zeros up to the exponent, and "-0" as zero', () => {
    expect(parseAmount('12.50', 'USD')).toBe(1250n);
    expect(parseAmount('12.5', 'USD')).toBe(1250n);
    expect(parseAmount('1.200', 'KWD')).toBe(1200n);
    expect(parseAmount('1.0000', 'CLF')).toBe(10000n);
    expect(parseAmount('0.05', 'USD')).toBe(5n);
    expect(parseAmount('-0', 'JPY', ANY)).toBe(0n);
  });

  it('produces every MoneyError code, one example each (the validation layer reports `${code}: ${message}`)', () => {
    const examples: Record<MoneyErrorCode, () => unknown> = {
      UNKNOWN_CURRENCY: () => parseAmount('1.00', 'XAU'),
      AMOUNT_EMPTY: () => parseAmount('', 'USD'),
      AMOUNT_NOT_NUMERIC: () => parseAmount('12abc', 'USD'),
      AMOUNT_EXPONENT_NOTATION: () => parseAmount('1e2', 'USD'),
      AMOUNT_NOT_FINITE: () => parseAmount('NaN', 'USD'),
      AMOUNT_TOO_PRECISE: () => parseAmount('1.001', 'USD'),
      AMOUNT_NOT_POSITIVE: () => parseAmount('0', 'USD'),
      AMOUNT_NEGATIVE: () => parseAmount('-1.00', 'USD'),
      AMOUNT_OUT_OF_RANGE: () => parseAmount('90071992547409.92', 'USD'),
      CURRENCY_MISMATCH: () => assertSameCurrency('USD', 'EUR'),
    };
    expect(Object.keys(examples).sort()).toEqual([...MONEY_ERROR_CODES].sort());
    for (const code of MONEY_ERROR_CODES) {
      const e = expectMoneyError(examples[code], code);
      expect(`${e.code}: ${e.message}`).toMatch(new RegExp(`^${code}: \\S`));
    }
  });

  it('escapes hostile input in messages', () => {
    const message = expectMoneyError(() => parseAmount('1"\n2', 'USD'), 'AMOUNT_NOT_NUMERIC').message;
    expect(message).toContain('"1\\"\\n2"');
    expect(message).not.toContain('\n');
  });
});

describe('formatAmount', () => {
  it.each<[bigint, string, string]>([
    [12345n, 'USD', '123.45'],
    [5n, 'USD', '0.05'],
    [-5n, 'USD', '-0.05'],
    [50n, 'USD', '0.50'],
    [0n, 'USD', '0.00'],
    [-12345n, 'USD', '-123.45'],
    [100n, 'JPY', '100'],
    [0n, 'JPY', '0'],
    [-7n, 'JPY', '-7'],
    [1n, 'CLF', '0.0001'],
    [12345n, 'CLF', '1.2345'],
    [1234n, 'KWD', '1.234'],
    [MAX_MINOR, 'USD', '90071992547409.91'],
    [-MAX_MINOR, 'USD', '-90071992547409.91'],
    [MAX_MINOR, 'JPY', '9007199254740991'],
  ])('formats %p %s as %j', (minor, currency, expected) => {
    expect(formatAmount(minor, currency)).toBe(expected);
  });

  it('rejects values outside ±MAX_MINOR and unknown currencies', () => {
    expect(expectMoneyError(() => formatAmount(MAX_MINOR + 1n, 'USD'), 'AMOUNT_OUT_OF_RANGE').message).toBe(
      'amount 9007199254740992 minor units is out of range (|value| <= 9007199254740991)',
    );
    expectMoneyError(() => formatAmount(-MAX_MINOR - 1n, 'JPY'), 'AMOUNT_OUT_OF_RANGE');
    expectMoneyError(() => formatAmount(1n, 'XXX'), 'UNKNOWN_CURRENCY');
  });

  it('rejects non-bigint input with a TypeError', () => {
    expect(() => formatAmount(1 as unknown as bigint, 'USD')).toThrow(new TypeError('amount in minor units must be a bigint, got number'));
    expect(() => assertSafeMinor('1' as unknown as bigint)).toThrow(TypeError);
  });

  it('assertSafeMinor names the checked value in its errors', () => {
    expect(() => assertSafeMinor(MAX_MINOR)).not.toThrow();
    expect(() => assertSafeMinor(-MAX_MINOR)).not.toThrow();
    expect(expectMoneyError(() => assertSafeMinor(-MAX_MINOR - 1n, 'fee'), 'AMOUNT_OUT_OF_RANGE').message).toBe(
      'fee -9007199254740992 minor units is out of range (|value| <= 9007199254740991)',
    );
    expect(() => assertSafeMinor(1 as unknown as bigint, 'fee')).toThrow(new TypeError('fee in minor units must be a bigint, got number'));
  });
});

describe('parse/format round trip (property)', () => {
  const minor = fc.bigInt({ min: -MAX_MINOR, max: MAX_MINOR });
  const currency = fc.constantFrom(...ISO_4217.map((c) => c.code));

  it('parseAmount(formatAmount(x, c), c) === x for every currency and safe bigint', () => {
    fc.assert(
      fc.property(minor, currency, (x, c) => parseAmount(formatAmount(x, c), c, ANY) === x),
      { numRuns: 5_000 },
    );
  });

  it('formatAmount(parseAmount(s, c), c) === s for canonical strings', () => {
    fc.assert(
      fc.property(minor, currency, (x, c) => {
        const s = formatAmount(x, c);
        return formatAmount(parseAmount(s, c, ANY), c) === s;
      }),
    );
  });

  it.each(ISO_4217.map((c) => [c.code]))('round-trips the edge values of %s', (c) => {
    for (const x of [0n, 1n, -1n, 9n, 10n, 99n, 100n, 101n, MAX_MINOR, -MAX_MINOR, MAX_MINOR - 1n]) {
      expect(parseAmount(formatAmount(x, c), c, ANY)).toBe(x);
    }
  });
});
