import fc from 'fast-check';
import { MAX_MINOR } from './amount';
import { convertMinor, MAX_RATE_LENGTH } from './convert';
import { ISO_4217 } from './iso4217.data';
import { MoneyError } from './money-error';
import { ROUNDING_MODES, type RoundingMode } from './rounding';
import { expectMoneyError, referenceRound } from '../test/money-test-helpers';

/** convertMinor, or undefined if the result would leave the safe range. */
function tryConvert(a: bigint, from: string, to: string, rate: string, mode: RoundingMode): bigint | undefined {
  try {
    return convertMinor(a, from, to, rate, mode);
  } catch (e) {
    if (e instanceof MoneyError && e.code === 'AMOUNT_OUT_OF_RANGE') return undefined;
    throw e;
  }
}

describe('convertMinor', () => {
  it.each<[bigint, string, string, string, RoundingMode, bigint]>([
    [10000n, 'EUR', 'USD', '1.0842', 'HALF_EVEN', 10842n], // 100.00 EUR → 108.42 USD
    [12345n, 'USD', 'JPY', '149.5', 'HALF_EVEN', 18456n], // 123.45 × 149.5 = 18455.775 → 18456
    [100n, 'JPY', 'USD', '0.0066889632', 'HALF_EVEN', 67n], // 0.66889632 → 0.67
    [1n, 'USD', 'KWD', '0.30705', 'HALF_EVEN', 3n], // 0.0030705 → 0.003
    [1n, 'USD', 'CLF', '0.0256', 'HALF_EVEN', 3n], // 0.000256 → 0.0003
    [1000n, 'USD', 'USD', '1', 'HALF_EVEN', 1000n],
    [-12345n, 'USD', 'JPY', '149.5', 'HALF_EVEN', -18456n],
    // ties at the target exponent: 0.25 × 0.5 = 0.125 USD
    [25n, 'USD', 'USD', '0.5', 'HALF_EVEN', 12n],
    [27n, 'USD', 'USD', '0.5', 'HALF_EVEN', 14n], // 0.135 → 0.14
    [25n, 'USD', 'USD', '0.5', 'HALF_UP', 13n],
    [25n, 'USD', 'USD', '0.5', 'DOWN', 12n],
    [24n, 'USD', 'USD', '0.51', 'UP', 13n], // 0.1224 → 0.13
    [-25n, 'USD', 'USD', '0.5', 'FLOOR', -13n],
    [-25n, 'USD', 'USD', '0.5', 'CEILING', -12n],
  ])('%p %s→%s at %s (%s) = %p', (amount, from, to, rate, mode, expected) => {
    expect(convertMinor(amount, from, to, rate, mode)).toBe(expected);
  });

  it('is exact with long rates and large amounts (no 40-digit precision loss)', () => {
    // 90071992547409.91 USD × 0.0000000000000000000000000000000000000000000000001 (rate has 49 decimals)
    expect(convertMinor(MAX_MINOR, 'USD', 'USD', `0.${'0'.repeat(48)}1`)).toBe(0n);
    // 40 significant rate digits × 16 amount digits would not fit in 40 digits of precision.
    const rate = '1.000000000000000000000000000000000000005';
    expect(convertMinor(4503599627370495n, 'JPY', 'JPY', rate)).toBe(4503599627370495n);
    // A product that lands exactly on a tie only if computed exactly: 1 × 2.5000…0001 JPY → 3, not 2.
    expect(convertMinor(1n, 'JPY', 'JPY', '2.500000000000000000000000000000000000000000000001')).toBe(3n);
  });

  it('rejects invalid rates', () => {
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '0'), 'AMOUNT_NOT_POSITIVE');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '0.000'), 'AMOUNT_NOT_POSITIVE');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '-1.1'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '1e-5'), 'AMOUNT_EXPONENT_NOTATION');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', ''), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', 'NaN'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', ' 1.1'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '.5'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '01.5'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', 1.1 as unknown as string), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', `1.${'0'.repeat(MAX_RATE_LENGTH)}`), 'AMOUNT_OUT_OF_RANGE');
  });

  it.each(['1e-5', '1e10', '1.5E+3', '+2e-3', '.25e1', '12.5e3'])('reports rate %j as exponent notation', (rate) => {
    expect(expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', rate), 'AMOUNT_EXPONENT_NOTATION').message).toBe(
      `rate ${JSON.stringify(rate)} uses exponent notation; write it as a plain decimal`,
    );
  });

  it.each(['x1e5', '1e5x', '-1.1', 'abc'])('reports rate %j as not a positive plain decimal', (rate) => {
    expect(expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', rate), 'AMOUNT_NOT_NUMERIC').message).toBe(
      `rate ${JSON.stringify(rate)} is not a positive plain decimal number such as "1.0842"`,
    );
  });

  it('explains the other rate rejections', () => {
    expect(expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', '0.00'), 'AMOUNT_NOT_POSITIVE').message).toBe(
      'rate "0.00" must be greater than zero',
    );
    expect(expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', 1.1 as unknown as string), 'AMOUNT_NOT_NUMERIC').message).toBe(
      'rate must be a decimal string such as "1.0842", got number',
    );
    expect(
      expectMoneyError(() => convertMinor(100n, 'USD', 'EUR', `1.${'0'.repeat(MAX_RATE_LENGTH - 1)}`), 'AMOUNT_OUT_OF_RANGE').message,
    ).toBe(`rate is too long (${MAX_RATE_LENGTH + 1} characters, at most ${MAX_RATE_LENGTH})`);
  });

  it('accepts a rate of exactly MAX_RATE_LENGTH characters', () => {
    expect(convertMinor(100n, 'USD', 'EUR', `1.${'0'.repeat(MAX_RATE_LENGTH - 2)}`)).toBe(100n);
  });

  it('rejects unknown currencies and out-of-range amounts and results', () => {
    expectMoneyError(() => convertMinor(100n, 'USD', 'XAU', '1'), 'UNKNOWN_CURRENCY');
    expectMoneyError(() => convertMinor(100n, 'usd', 'EUR', '1'), 'UNKNOWN_CURRENCY');
    expectMoneyError(() => convertMinor(MAX_MINOR + 1n, 'USD', 'EUR', '1'), 'AMOUNT_OUT_OF_RANGE');
    expect(convertMinor(MAX_MINOR, 'USD', 'EUR', '1')).toBe(MAX_MINOR);
    expectMoneyError(() => convertMinor(MAX_MINOR, 'USD', 'EUR', '1.01'), 'AMOUNT_OUT_OF_RANGE');
    expectMoneyError(() => convertMinor(MAX_MINOR, 'JPY', 'USD', '1'), 'AMOUNT_OUT_OF_RANGE'); // ×100 minor units
  });

  describe('properties', () => {
    const currency = fc.constantFrom(...ISO_4217);
    const mode = fc.constantFrom(...ROUNDING_MODES);
    /** Positive plain-decimal rates from 0.000000000001 to 99999.999999999999. */
    const rate = fc
      .tuple(fc.bigInt({ min: 0n, max: 99_999n }), fc.stringMatching(/^[0-9]{0,12}$/))
      .map(([int, frac]) => (frac === '' ? `${int}` : `${int}.${frac}`))
      .filter((r) => /[1-9]/.test(r));
    const amount = fc.oneof(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), fc.bigInt({ min: -MAX_MINOR, max: MAX_MINOR }));

    it('is monotonic in the amount for a fixed positive rate', () => {
      fc.assert(
        fc.property(amount, amount, currency, currency, rate, mode, (x, y, from, to, r, m) => {
          const [a, b] = x <= y ? [x, y] : [y, x];
          const ca = tryConvert(a, from.code, to.code, r, m);
          const cb = tryConvert(b, from.code, to.code, r, m);
          fc.pre(ca !== undefined && cb !== undefined);
          return ca === undefined || cb === undefined || ca <= cb;
        }),
        { numRuns: 5_000 },
      );
    });

    it('is monotonic for neighbouring amounts (where rounding boundaries are)', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), currency, currency, rate, mode, (a, from, to, r, m) => {
          const ca = tryConvert(a, from.code, to.code, r, m);
          const cb = tryConvert(a + 1n, from.code, to.code, r, m);
          fc.pre(ca !== undefined && cb !== undefined);
          return ca === undefined || cb === undefined || ca <= cb;
        }),
        { numRuns: 5_000 },
      );
    });

    it('equals the exact product rounded once (bigint reference)', () => {
      fc.assert(
        fc.property(amount, currency, currency, rate, mode, (a, from, to, r, m) => {
          const [int, frac = ''] = r.split('.');
          const numerator = a * BigInt(int + frac) * 10n ** BigInt(to.exponent);
          const denominator = 10n ** BigInt(from.exponent + frac.length);
          const expected = referenceRound(numerator, denominator, m);
          fc.pre(expected <= MAX_MINOR && expected >= -MAX_MINOR);
          return convertMinor(a, from.code, to.code, r, m) === expected;
        }),
        { numRuns: 5_000 },
      );
    });
  });
});
