import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { crossRate, PivotRates, RATE_SIGNIFICANT_DIGITS } from './cross-rate';
import { ECB_REFERENCE_SNAPSHOT } from './ecb-snapshot.data';

const snapshot: PivotRates = ECB_REFERENCE_SNAPSHOT;
const QUOTED = ['EUR', ...Object.keys(snapshot.rates)];

/** An independent reference: its own decimal.js clone, exact division, one half-even rounding. */
const Ref = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
function referenceCross(q: string, b: string): string {
  return new Ref(q).div(b).toSignificantDigits(RATE_SIGNIFICANT_DIGITS, Decimal.ROUND_HALF_EVEN).toFixed();
}

describe('crossRate', () => {
  it('returns the quoted rate for EUR base and its rounded inverse for EUR quote', () => {
    expect(crossRate(snapshot, 'EUR', 'USD')).toBe('1.0389');
    expect(crossRate(snapshot, 'EUR', 'IDR')).toBe('16820');
    expect(crossRate(snapshot, 'USD', 'EUR')).toBe(referenceCross('1', '1.0389'));
    expect(crossRate(snapshot, 'USD', 'EUR')).toBe('0.962556550197');
  });

  it("returns '1' for the same currency, even one the snapshot does not quote", () => {
    expect(crossRate(snapshot, 'USD', 'USD')).toBe('1');
    expect(crossRate(snapshot, 'EUR', 'EUR')).toBe('1');
    expect(crossRate(snapshot, 'XAU', 'XAU')).toBe('1');
  });

  it('returns undefined when either leg is not quoted', () => {
    expect(crossRate(snapshot, 'USD', 'ARS')).toBeUndefined();
    expect(crossRate(snapshot, 'ARS', 'USD')).toBeUndefined();
    expect(crossRate(snapshot, 'ARS', 'EUR')).toBeUndefined();
  });

  it('crosses USD/IDR exactly and rounds once to 12 significant digits, half-even', () => {
    const expected = referenceCross('16820.00', '1.0389');
    expect(expected).toBe('16190.2011743');
    expect(crossRate(snapshot, 'USD', 'IDR')).toBe(expected);
  });

  it('returns plain decimal strings (never exponent notation) for tiny rates', () => {
    const rate = crossRate(snapshot, 'IDR', 'JPY')!;
    expect(rate).toMatch(/^0\.0\d+$/);
    expect(rate).toBe(referenceCross('163.06', '16820.00'));
  });

  it('property: crossRate(a, b) × crossRate(b, a) is within 1e-10 of 1', () => {
    const currency = fc.constantFrom(...QUOTED);
    fc.assert(
      fc.property(currency, currency, (a, b) => {
        const product = new Ref(crossRate(snapshot, a, b)!).times(crossRate(snapshot, b, a)!);
        return product.minus(1).abs().lte('1e-10');
      }),
      { numRuns: 500 },
    );
  });
});
