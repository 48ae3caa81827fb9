import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { crossRate } from '../cross-rate';
import { ECB_REFERENCE_SNAPSHOT } from '../ecb-snapshot.data';
import { MAX_SPREAD_BPS, parseSpreads, quoteSides, SpreadConfigError } from './spread';

/** Independent reference: its own decimal.js clone at 100 digits, mid × (1 ∓ bps/20000), one half-even rounding. */
const Ref = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_EVEN });
function reference(mid: string, bps: number) {
  const half = new Ref(bps).div(20000);
  const r = (x: Decimal) => x.toSignificantDigits(12, Decimal.ROUND_HALF_EVEN).toFixed();
  return { mid: r(new Ref(mid)), bid: r(new Ref(mid).times(new Ref(1).minus(half))), ask: r(new Ref(mid).times(new Ref(1).plus(half))) };
}

describe('quoteSides', () => {
  it.each([
    // pair, mid, bps, bid, ask (worked by hand: half the spread on each side)
    ['EUR/USD', '1.0389', 10, '1.03838055', '1.03941945'],
    ['USD/IDR', '16190.2011743', 80, '16125.4403696', '16254.961979'], // 16254.9619789972 → 12 digits
    ['EUR/JPY', '163.06', 25, '162.856175', '163.263825'],
    ['IDR/JPY', '0.00969440', 80, '0.0096556224', '0.0097331776'], // input zeros are not significant
    ['USD/EUR', '0.962556550197', 10, '0.962075271922', '0.963037828472'],
    ['EUR/IDR', '16820.00', 0, '16820', '16820'],
  ])('%s mid %s at %i bps', (_pair, mid, bps, bid, ask) => {
    const sides = quoteSides(mid, bps);
    expect(sides).toEqual({ mid: reference(mid, bps).mid, bid, ask });
    expect(sides).toEqual(reference(mid, bps));
  });

  it('quotes cross rates from the ECB snapshot exactly (IDR and JPY legs)', () => {
    for (const [base, quote, bps] of [
      ['USD', 'IDR', 80],
      ['JPY', 'IDR', 80],
      ['IDR', 'JPY', 80],
      ['GBP', 'JPY', 25],
    ] as const) {
      const mid = crossRate(ECB_REFERENCE_SNAPSHOT, base, quote)!;
      expect(quoteSides(mid, bps)).toEqual(reference(mid, bps));
    }
    expect(quoteSides(crossRate(ECB_REFERENCE_SNAPSHOT, 'USD', 'IDR')!, 80)).toEqual({
      mid: '16190.2011743',
      bid: '16125.4403696',
      ask: '16254.961979',
    });
  });

  it('rounds once, half-even, at the 12th significant digit', () => {
    expect(quoteSides('1.000000000005', 0)).toEqual({ mid: '1', bid: '1', ask: '1' }); // tie → even 0
    expect(quoteSides('1.000000000015', 0).mid).toBe('1.00000000002'); // tie → even 2
    // 2.000000000010 × 0.99995 = 1.99990000000099990: rounded once, not via a rounded mid.
    expect(quoteSides('2.00000000001', 1)).toEqual(reference('2.00000000001', 1));
  });

  it('matches the reference for any mid and spread (property)', () => {
    const mid = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.integer({ min: 0, max: 18 }))
      .map(([digits, scale]) => new Ref(`${digits}e-${scale}`).toFixed());
    fc.assert(
      fc.property(mid, fc.integer({ min: 0, max: MAX_SPREAD_BPS }), (m, bps) => {
        const sides = quoteSides(m, bps);
        expect(sides).toEqual(reference(m, bps));
        expect(new Ref(sides.bid).lte(sides.mid) && new Ref(sides.mid).lte(sides.ask)).toBe(true);
      }),
    );
  });

  it('rejects a bad mid or spread', () => {
    for (const mid of ['0', '-1', '1e3', 'abc', '', ' 1', '1.']) expect(() => quoteSides(mid, 10)).toThrow(/mid rate/);
    for (const bps of [-1, 2001, 1.5, NaN]) expect(() => quoteSides('1', bps)).toThrow(/integer number of basis points from 0 to 2000/);
  });
});

describe('parseSpreads', () => {
  it('looks pairs up in both directions and falls back to the default', () => {
    const spreadOf = parseSpreads(' USD/IDR=80 , EUR/USD=10,,JPY/IDR = 120', 25);
    expect(spreadOf('USD', 'IDR')).toBe(80);
    expect(spreadOf('IDR', 'USD')).toBe(80);
    expect(spreadOf('EUR', 'USD')).toBe(10);
    expect(spreadOf('USD', 'EUR')).toBe(10);
    expect(spreadOf('IDR', 'JPY')).toBe(120);
    expect(spreadOf('GBP', 'USD')).toBe(25);
    expect(spreadOf('USD', 'USD')).toBe(0);
  });

  it('uses the default for everything when there is no configuration', () => {
    expect(parseSpreads(undefined, 30)('EUR', 'USD')).toBe(30);
    expect(parseSpreads('  ', 0)('EUR', 'USD')).toBe(0);
    expect(parseSpreads('EUR/USD=0,USD/IDR=2000', 5)('IDR', 'USD')).toBe(2000);
  });

  it.each([
    ['USD/IDR', /entry 1 "USD\/IDR": expected BASE\/QUOTE=BPS/],
    ['USD-IDR=80', /expected BASE\/QUOTE=BPS/],
    ['usd/IDR=80', /"usd" is not an ISO 4217 currency code/],
    ['USD/XXY=80', /"XXY" is not an ISO 4217 currency code/],
    ['USD/USD=80', /base and quote are the same currency/],
    ['USD/IDR=abc', /spread must be an integer number of basis points from 0 to 2000, got "abc"/],
    ['USD/IDR=2001', /got "2001"/],
    ['USD/IDR=-5', /got "-5"/],
    ['USD/IDR=1.5', /got "1.5"/],
    ['USD/IDR=', /got ""/],
    ['USD/IDR=80,IDR/USD=80', /entry 2 "IDR\/USD=80": IDR\/USD is configured more than once/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSpreads(text, 25)).toThrow(SpreadConfigError);
    expect(() => parseSpreads(text, 25)).toThrow(message);
  });

  it('reports every bad entry at once', () => {
    try {
      parseSpreads('USD/IDR=80,EUR/usd=10,GBP/JPY=9999', 25);
      throw new Error('expected a SpreadConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(SpreadConfigError);
      expect((error as SpreadConfigError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/^invalid FX spread configuration: entry 2 .*; entry 3 /);
    }
  });

  it('rejects a bad default', () => {
    expect(() => parseSpreads(undefined, -1)).toThrow(/default spread/);
    expect(() => parseSpreads(undefined, 2500)).toThrow(RangeError);
  });
});
