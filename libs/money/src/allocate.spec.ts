import fc from 'fast-check';
import { allocate } from './allocate';
import { MAX_MINOR } from './amount';
import { expectMoneyError } from '../test/money-test-helpers';

describe('allocate', () => {
  it.each<[bigint, bigint[], bigint[]]>([
    [100n, [1n, 1n, 1n], [34n, 33n, 33n]],
    [101n, [1n, 1n, 1n], [34n, 34n, 33n]],
    [-100n, [1n, 1n, 1n], [-34n, -33n, -33n]],
    [5n, [1n, 1n], [3n, 2n]],
    [100n, [70n, 30n], [70n, 30n]],
    [1n, [1n, 1n, 1n], [1n, 0n, 0n]],
    [2n, [1n, 2n, 0n], [1n, 1n, 0n]], // exact shares 0.67 / 1.33 / 0: largest remainders win
    [10n, [0n, 1n], [0n, 10n]],
    [0n, [3n, 7n], [0n, 0n]],
    [7n, [5n], [7n]],
    [MAX_MINOR, [1n, 1n], [4503599627370496n, 4503599627370495n]],
  ])('allocate(%p, %p) = %p', (minor, ratios, expected) => {
    expect(allocate(minor, ratios)).toEqual(expected);
  });

  it('does not mutate the ratios', () => {
    const ratios = [1n, 2n];
    allocate(10n, ratios);
    expect(ratios).toEqual([1n, 2n]);
  });

  it('rejects invalid ratios and amounts', () => {
    // Each with its own reason (an empty list or all-zero ratios would otherwise end in a bare bigint division by zero).
    expect(() => allocate(10n, [])).toThrow(new RangeError('allocate needs at least one ratio'));
    expect(() => allocate(10n, [0n, 0n])).toThrow(new RangeError('allocation ratios must have a positive sum'));
    expect(() => allocate(10n, [1n, -1n, 5n])).toThrow(new RangeError('allocation ratios must be non-negative bigints, got -1'));
    expect(() => allocate(10n, [1 as unknown as bigint])).toThrow(new RangeError('allocation ratios must be non-negative bigints, got 1'));
    expectMoneyError(() => allocate(MAX_MINOR + 1n, [1n]), 'AMOUNT_OUT_OF_RANGE');
  });

  it('sums to the total, and each part is within one minor unit of its exact share (property)', () => {
    const ratios = fc
      .array(fc.oneof(fc.bigInt({ min: 0n, max: 10n }), fc.bigInt({ min: 0n, max: 10n ** 12n })), { minLength: 1, maxLength: 25 })
      .filter((rs) => rs.some((r) => r > 0n));
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX_MINOR, max: MAX_MINOR }), ratios, (total, rs) => {
        const parts = allocate(total, rs);
        const sumRatios = rs.reduce((a, b) => a + b, 0n);
        expect(parts).toHaveLength(rs.length);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
        parts.forEach((part, i) => {
          // |part − total × r / Σr| < 1, scaled by Σr to stay in integers.
          const diff = part * sumRatios - total * rs[i];
          expect(diff < sumRatios && diff > -sumRatios).toBe(true);
          if (rs[i] === 0n) expect(part).toBe(0n);
        });
      }),
      { numRuns: 3_000 },
    );
  });
});
