import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { MAX_MINOR } from './amount';
import { D, decimalFromScaled } from './decimal';
import { ISO_4217 } from './iso4217.data';
import { roundDecimalToMinor, roundRate, ROUNDING_MODES, type RoundingMode } from './rounding';
import { expectMoneyError, referenceRound } from '../test/money-test-helpers';

describe('roundDecimalToMinor', () => {
  it.each<[string, string, bigint]>([
    ['0.125', 'USD', 12n],
    ['0.135', 'USD', 14n],
    ['0.145', 'USD', 14n],
    ['-0.125', 'USD', -12n],
    ['-0.135', 'USD', -14n],
    ['0.1250000000000000000000000000000000000000000001', 'USD', 13n], // just above the tie: not a tie
    ['2.5', 'JPY', 2n],
    ['3.5', 'JPY', 4n],
    ['1.00050', 'KWD', 1000n],
    ['0.00005', 'CLF', 0n],
    ['0.00015', 'CLF', 2n],
    ['123.45', 'USD', 12345n],
    ['7', 'JPY', 7n],
  ])('HALF_EVEN: %s %s → %p', (value, currency, expected) => {
    expect(roundDecimalToMinor(value, currency)).toBe(expected);
    expect(roundDecimalToMinor(new D(value), currency, 'HALF_EVEN')).toBe(expected);
  });

  // Rows: value, then expected minor for HALF_EVEN, HALF_UP, DOWN, UP, FLOOR, CEILING (USD).
  it.each<[string, bigint[]]>([
    ['0.125', [12n, 13n, 12n, 13n, 12n, 13n]],
    ['0.135', [14n, 14n, 13n, 14n, 13n, 14n]],
    ['0.124', [12n, 12n, 12n, 13n, 12n, 13n]],
    ['0.126', [13n, 13n, 12n, 13n, 12n, 13n]],
    ['-0.125', [-12n, -13n, -12n, -13n, -13n, -12n]],
    ['-0.126', [-13n, -13n, -12n, -13n, -13n, -12n]],
    ['-0.001', [0n, 0n, 0n, -1n, -1n, 0n]],
    ['0.10', [10n, 10n, 10n, 10n, 10n, 10n]],
  ])('all modes: %s USD', (value, expected) => {
    const modes: RoundingMode[] = ['HALF_EVEN', 'HALF_UP', 'DOWN', 'UP', 'FLOOR', 'CEILING'];
    expect(modes.map((m) => roundDecimalToMinor(value, 'USD', m))).toEqual(expected);
  });

  it('never returns negative zero and accepts Decimals from other constructors', () => {
    expect(Object.is(Number(roundDecimalToMinor('-0.001', 'USD')), 0)).toBe(true);
    expect(roundDecimalToMinor(new Decimal('0.125'), 'USD')).toBe(12n);
  });

  it('does not depend on the global Decimal configuration', () => {
    const saved = { precision: Decimal.precision, rounding: Decimal.rounding };
    Decimal.set({ precision: 3, rounding: Decimal.ROUND_UP });
    try {
      expect(roundDecimalToMinor(new Decimal('12345.125'), 'USD')).toBe(1234512n);
      expect(roundRate(new Decimal('1.23456789'), 4)).toBe('1.235');
    } finally {
      Decimal.set(saved);
    }
  });

  it('checks the range after rounding', () => {
    expect(roundDecimalToMinor('90071992547409.914', 'USD')).toBe(MAX_MINOR);
    expectMoneyError(() => roundDecimalToMinor('90071992547409.915', 'USD'), 'AMOUNT_OUT_OF_RANGE');
    expectMoneyError(() => roundDecimalToMinor('90071992547409.911', 'USD', 'UP'), 'AMOUNT_OUT_OF_RANGE');
    expect(roundDecimalToMinor('-9007199254740991.4', 'JPY')).toBe(-MAX_MINOR);
    expectMoneyError(() => roundDecimalToMinor('-9007199254740991.5', 'JPY'), 'AMOUNT_OUT_OF_RANGE');
    expectMoneyError(() => roundDecimalToMinor(new D('1e400'), 'USD'), 'AMOUNT_OUT_OF_RANGE');
  });

  it('explains its rejections', () => {
    expect(expectMoneyError(() => roundDecimalToMinor('90071992547409.915', 'USD'), 'AMOUNT_OUT_OF_RANGE').message).toBe(
      'USD amount "90071992547409.915" is out of range (at most 9007199254740991 minor units in absolute value)',
    );
    expect(expectMoneyError(() => roundDecimalToMinor('1e2', 'USD'), 'AMOUNT_NOT_NUMERIC').message).toBe(
      'value "1e2" is not a plain decimal number',
    );
    expect(expectMoneyError(() => roundDecimalToMinor(new D(NaN), 'USD'), 'AMOUNT_NOT_FINITE').message).toBe(
      'value "NaN" is not a finite number',
    );
    expect(() => roundDecimalToMinor('1', 'USD', 'HALF_DOWN' as RoundingMode)).toThrow(new RangeError('unknown rounding mode "HALF_DOWN"'));
    // A number is neither a Decimal nor a string: a programming error, reported as such.
    expect(() => roundDecimalToMinor(1.5 as unknown as string, 'USD')).toThrow(
      new TypeError('expected a Decimal or a decimal string, got number'),
    );
    expect(() => roundDecimalToMinor({ isFinite: () => true } as unknown as string, 'USD')).toThrow(
      new TypeError('expected a Decimal or a decimal string, got object'),
    );
  });

  it('rejects invalid values, currencies and modes', () => {
    expectMoneyError(() => roundDecimalToMinor('1e2', 'USD'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => roundDecimalToMinor(' 1', 'USD'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => roundDecimalToMinor('NaN', 'USD'), 'AMOUNT_NOT_NUMERIC');
    expectMoneyError(() => roundDecimalToMinor(new D(NaN), 'USD'), 'AMOUNT_NOT_FINITE');
    expectMoneyError(() => roundDecimalToMinor(new D(-Infinity), 'USD'), 'AMOUNT_NOT_FINITE');
    expectMoneyError(() => roundDecimalToMinor('1', 'XAU'), 'UNKNOWN_CURRENCY');
    expect(() => roundDecimalToMinor('1', 'USD', 'HALF_DOWN' as RoundingMode)).toThrow(RangeError);
    expect(() => roundDecimalToMinor('1', 'USD', 'toString' as RoundingMode)).toThrow(RangeError);
    expect(() => roundDecimalToMinor(1.5 as unknown as string, 'USD')).toThrow(TypeError);
  });

  describe('properties', () => {
    const currency = fc.constantFrom(...ISO_4217);
    const mode = fc.constantFrom(...ROUNDING_MODES);

    it('half-even ties go to the even neighbour', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: -(MAX_MINOR - 1n), max: MAX_MINOR - 1n }), currency, (k, c) => {
          // exactly k + 1/2 minor units (in major units: (2k+1) × 5 / 10^(exponent+1))
          const tie = decimalFromScaled((2n * k + 1n) * 5n, c.exponent + 1);
          const rounded = roundDecimalToMinor(tie, c.code);
          const even = k % 2n === 0n ? k : k + 1n;
          return rounded === even;
        }),
        { numRuns: 2_000 },
      );
    });

    it('matches a bigint reference implementation for every mode and any number of extra decimals', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
          fc.integer({ min: 0, max: 25 }),
          currency,
          mode,
          (unscaled, extra, c, m) => {
            const scale = c.exponent + extra;
            const expected = referenceRound(unscaled, 10n ** BigInt(extra), m);
            fc.pre(expected <= MAX_MINOR && expected >= -MAX_MINOR);
            return roundDecimalToMinor(decimalFromScaled(unscaled, scale), c.code, m) === expected;
          },
        ),
        { numRuns: 5_000 },
      );
    });
  });
});

describe('roundRate', () => {
  it.each<[string, number, string]>([
    ['16190.17200885559', 15, '16190.1720088556'],
    ['0.00006176294', 6, '0.0000617629'],
    ['6.176294e-5', 6, '0.0000617629'],
    ['1.0842000000000', 12, '1.0842'],
    ['1.23456789012345', 12, '1.23456789012'],
    ['0.1234567890125', 12, '0.123456789012'], // tie → even
    ['0.1234567890135', 12, '0.123456789014'], // tie → even
    ['123456789012345678', 12, '123456789012000000'],
    ['1e25', 12, '10000000000000000000000000'],
    ['1.5e-20', 12, '0.000000000000000000015'],
    ['149.5', 3, '150'],
    ['148.5', 3, '148'],
  ])('roundRate(%s, %i) = %s', (value, digits, expected) => {
    expect(roundRate(new D(value), digits)).toBe(expected);
  });

  it('defaults to 12 significant digits', () => {
    expect(roundRate(new D('16190.17200885559'))).toBe('16190.1720089');
  });

  it('never uses exponent notation and keeps no trailing zeros (property)', () => {
    const anyDecimal = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 40n }), fc.integer({ min: -60, max: 60 }))
      .map(([unscaled, exp]) => new D(`${unscaled}e${exp}`));
    fc.assert(
      fc.property(anyDecimal, fc.integer({ min: 1, max: 20 }), (value, digits) => {
        const out = roundRate(value, digits);
        const significant = out.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
        return (
          /^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/.test(out) &&
          significant.length <= digits &&
          new D(out).eq(value.toSignificantDigits(digits, D.ROUND_HALF_EVEN))
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('rejects non-finite values and invalid digit counts', () => {
    expectMoneyError(() => roundRate(new D(Infinity)), 'AMOUNT_NOT_FINITE');
    expect(() => roundRate(new D(1), 0)).toThrow(RangeError);
    expect(() => roundRate(new D(1), 1.5)).toThrow(RangeError);
    expect(() => roundRate(new D(1), 1001)).toThrow(new RangeError('significantDigits must be an integer from 1 to 1000, got 1001'));
  });

  it('accepts the whole documented range of significant digits (1 to 1000)', () => {
    const third = new D(1).div(3); // 40 significant digits (D's precision)
    expect(roundRate(third, 1)).toBe('0.3');
    expect(roundRate(third, 1000)).toBe(third.toFixed());
  });
});
