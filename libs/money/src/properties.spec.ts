/*
 * Property tests (fast-check) for the money invariants the rest of the product
 * relies on. Every property states its numRuns; the whole file runs in a few
 * seconds. Rates and amounts are built from integers (bigint unscaled value +
 * decimal scale), never from JS floats, and all checking arithmetic is bigint or
 * the library's own decimal.js clone `D`.
 */
import fc from 'fast-check';
import { allocate } from './allocate';
import { formatAmount, MAX_MINOR, parseAmount } from './amount';
import { convertMinor } from './convert';
import { currencyExponent, listCurrencies } from './currency';
import { D, decimalFromScaled } from './decimal';
import { MoneyError } from './money-error';
import { roundDecimalToMinor, roundRate, ROUNDING_MODES, type RoundingMode } from './rounding';

const ANY = { allowZero: true, allowNegative: true } as const;
const CURRENCIES = listCurrencies();

/** Plain decimal string of `unscaled × 10^-scale` from integers only: (12345n, 3) → "12.345", (5n, 3) → "0.005". */
function plainDecimal(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A positive rate as a plain decimal string, from 10^-scaleMax up to maxUnscaled. */
function rateArb(maxUnscaled: bigint, scaleMax: number): fc.Arbitrary<string> {
  return fc.tuple(fc.bigInt({ min: 1n, max: maxUnscaled }), fc.integer({ min: 0, max: scaleMax })).map(([u, s]) => plainDecimal(u, s));
}

/** convertMinor, or undefined if the result would leave ±MAX_MINOR (any other error is a failure). */
function tryConvert(a: bigint, from: string, to: string, rate: string, mode: RoundingMode): bigint | undefined {
  try {
    return convertMinor(a, from, to, rate, mode);
  } catch (e) {
    if (e instanceof MoneyError && e.code === 'AMOUNT_OUT_OF_RANGE') return undefined;
    throw e;
  }
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Safe minor amounts, mixing the full range with small values and the edges. */
const safeMinor = fc.oneof(
  fc.bigInt({ min: -MAX_MINOR, max: MAX_MINOR }),
  fc.bigInt({ min: -1_000_000n, max: 1_000_000n }),
  fc.constantFrom(0n, 1n, -1n, MAX_MINOR, -MAX_MINOR),
);

describe('parse ∘ format round trip, for every currency of the table (numRuns 200 each)', () => {
  it.each(CURRENCIES.map((c) => [c.code, c.exponent] as const))('%s (exponent %i)', (code, exponent) => {
    const shape = exponent === 0 ? /^-?(0|[1-9][0-9]*)$/ : new RegExp(`^-?(0|[1-9][0-9]*)\\.[0-9]{${exponent}}$`);
    fc.assert(
      fc.property(safeMinor, (m) => {
        const text = formatAmount(m, code);
        return (
          shape.test(text) && // exactly `exponent` decimals, no exponent notation, no leading zeros
          text.startsWith('-') === m < 0n && // never "-0.00"
          parseAmount(text, code, ANY) === m
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('allocate (numRuns 1000)', () => {
  const ratios = fc
    .array(fc.oneof(fc.bigInt({ min: 0n, max: 10n }), fc.bigInt({ min: 0n, max: 10n ** 15n })), { minLength: 1, maxLength: 20 })
    .filter((rs) => rs.some((r) => r > 0n));

  it('sums exactly to the total, keeps every part within one minor unit of its ideal share, and is deterministic', () => {
    fc.assert(
      fc.property(safeMinor, ratios, fc.bigInt({ min: 1n, max: 1000n }), (total, rs, k) => {
        const before = [...rs];
        const parts = allocate(total, rs);
        const sumRatios = rs.reduce((a, b) => a + b, 0n);

        expect(parts).toHaveLength(rs.length);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
        parts.forEach((part, i) => {
          // ideal share = total × r / Σr; |part − ideal| < 1  ⇔  |part·Σr − total·r| < Σr (integers only)
          expect(abs(part * sumRatios - total * rs[i]) < sumRatios).toBe(true);
          if (rs[i] === 0n) expect(part).toBe(0n);
        });
        // Deterministic: same input → same output; inputs untouched; ratios scaled by k → same split.
        expect(rs).toEqual(before);
        expect(allocate(total, [...rs])).toEqual(parts);
        expect(
          allocate(
            total,
            rs.map((r) => r * k),
          ),
        ).toEqual(parts);
        // Sign symmetry: a negative total is the mirror image of the positive one.
        expect(allocate(-total, rs)).toEqual(parts.map((p) => -p));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('convertMinor monotonicity (rates as decimal strings built from integers)', () => {
  const currency = fc.constantFrom(...CURRENCIES);
  /** 10^-12 … 10^9 with up to 12 decimals. */
  const rate = rateArb(10n ** 9n, 12);
  const amount = fc.oneof(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), fc.bigInt({ min: -MAX_MINOR, max: MAX_MINOR }));

  it('a ≤ b ⇒ convert(a) ≤ convert(b), for every rounding mode (numRuns 1000 × 6 modes)', () => {
    let compared = 0;
    fc.assert(
      fc.property(amount, amount, currency, currency, rate, (x, y, from, to, r) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        for (const mode of ROUNDING_MODES) {
          const ca = tryConvert(a, from.code, to.code, r, mode);
          const cb = tryConvert(b, from.code, to.code, r, mode);
          if (ca === undefined || cb === undefined) continue; // beyond the safe range: rejected, nothing to compare
          compared += 1;
          expect(ca <= cb).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
    expect(compared).toBeGreaterThan(1_000); // most samples stay in range
  });

  it('neighbouring amounts a, a+1 (where the rounding boundaries are) stay ordered, and FLOOR ≤ any mode ≤ CEILING ≤ FLOOR + 1 (numRuns 1000)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), currency, currency, rate, (a, from, to, r) => {
        const floor = tryConvert(a, from.code, to.code, r, 'FLOOR');
        const ceiling = tryConvert(a, from.code, to.code, r, 'CEILING');
        fc.pre(floor !== undefined && ceiling !== undefined);
        if (floor === undefined || ceiling === undefined) return;
        expect(ceiling - floor === 0n || ceiling - floor === 1n).toBe(true);
        for (const mode of ROUNDING_MODES) {
          const here = convertMinor(a, from.code, to.code, r, mode);
          expect(floor <= here && here <= ceiling).toBe(true);
          const next = tryConvert(a + 1n, from.code, to.code, r, mode);
          if (next !== undefined) expect(here <= next).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('cross rate and its inverse through the EUR pivot (numRuns 1000)', () => {
  /*
   * EUR legs b = EUR→BASE and q = EUR→QUOTE (10^-8 … 10^8, up to 8 decimals, as
   * an ECB-style feed publishes them). Cross rate r = roundRate(q / b) and
   * inverse r' = roundRate(b / q), 12 significant digits each, computed in D.
   *
   * Rate bound. Rounding to p = 12 significant digits, half-even, has relative
   * error |ε| ≤ ½·10^(1−p). (D's 40-digit division adds ≤ 10^-39 relative before
   * that, far below.) So r·r' = (1+ε₁)(1+ε₂) and
   *   |r·r' − 1| ≤ |ε₁| + |ε₂| + |ε₁ε₂| ≤ 10^(1−p) + ¼·10^(2−2p) < 2 × 10^(1−p) = 2e-11.
   *
   * Amount bound. Convert a (minor units of S, exponent eS) to x in T (eT) at r,
   * then back to y in S at r', both HALF_EVEN. With A = a·10^-eS, X = x·10^-eT,
   * Y = y·10^-eS: |X − A·r| ≤ ½·10^-eT and |Y − X·r'| ≤ ½·10^-eS, and
   *   Y − A = (Y − X·r') + (X − A·r)·r' + A·(r·r' − 1), so in minor units of S
   *   |y − a| ≤ ½ + ½·r'·10^(eS−eT) + |a|·|r·r' − 1|
   *           ≤ ½ + ½·r'·10^(eS−eT) + 2e-11·|a|.
   * i.e. half a source unit for the way back, half a target unit (worth r' source
   * major units) for the way there, and the rate error × amount. Going through a
   * coarser currency loses more (IDR→EUR→IDR loses up to ~half a euro cent's worth
   * of IDR), which is why the bound carries r'·10^(eS−eT).
   */
  const leg = rateArb(10n ** 8n, 8);
  const currency = fc.constantFrom(...CURRENCIES);
  const P = 12;
  const RATE_BOUND = new D(2).times(new D(10).pow(1 - P)); // 2e-11, built without floats

  function crossRates(b: string, q: string): { r: string; rInv: string } {
    return { r: roundRate(new D(q).div(new D(b)), P), rInv: roundRate(new D(b).div(new D(q)), P) };
  }

  it('|r·r′ − 1| ≤ 2 × 10^(1−12), and each rounding stays within ½·10^(1−12) relative', () => {
    const halfUlpRel = new D(5).times(new D(10).pow(-P)); // ½·10^(1−12) = 5e-12
    fc.assert(
      fc.property(leg, leg, (b, q) => {
        const { r, rInv } = crossRates(b, q);
        // r and r' have ≤ 12 significant digits each, so their product (≤ 24 digits) is exact in D.
        const error = new D(r).times(rInv).minus(1).abs();
        expect(error.lte(RATE_BOUND)).toBe(true);
        // Against the exact quotient q/b, computed exactly as a comparison of products.
        const exact = new D(q).div(new D(b));
        expect(new D(r).minus(exact).abs().lte(exact.times(halfUlpRel))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('converting there at r and back at r′ loses at most ½ + ½·r′·10^(eS−eT) + |a|·|r·r′ − 1| minor units', () => {
    let checked = 0;
    fc.assert(
      fc.property(
        leg,
        leg,
        currency,
        currency,
        fc.oneof(fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }), fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n })),
        (b, q, source, target, a) => {
          const { r, rInv } = crossRates(b, q);
          const x = tryConvert(a, source.code, target.code, r, 'HALF_EVEN');
          const y = x === undefined ? undefined : tryConvert(x, target.code, source.code, rInv, 'HALF_EVEN');
          if (y === undefined) return; // out of the safe range one way: rejected, not lossy
          checked += 1;
          const rateError = new D(r).times(rInv).minus(1).abs();
          const bound = new D('0.5')
            .plus(new D(rInv).times(new D(10).pow(source.exponent - target.exponent)).div(2))
            .plus(rateError.times(abs(a).toString()));
          expect(new D(abs(y - a).toString()).lte(bound)).toBe(true);
          // Same bound with the proven rate bound instead of the measured error.
          expect(
            new D(abs(y - a).toString()).lte(bound.minus(rateError.times(abs(a).toString())).plus(RATE_BOUND.times(abs(a).toString()))),
          ).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
    expect(checked).toBeGreaterThan(500);
  });

  it('worked example: USD→JPY→USD through EUR legs USD 1.0842, JPY 162.37', () => {
    // Exact: q/b = 149.760191846522…, b/q = 0.006677341873498799… (checked independently with Python's decimal).
    const { r, rInv } = crossRates('1.0842', '162.37');
    expect(r).toBe('149.760191847');
    expect(rInv).toBe('0.0066773418735');
    expect(new D(r).times(rInv).minus(1).toFixed()).toBe('0.0000000000033664053545');
    const x = convertMinor(12345n, 'USD', 'JPY', r); // 123.45 USD × 149.760191847 = 18487.8956835… → 18488 JPY
    expect(x).toBe(18488n);
    expect(convertMinor(x, 'JPY', 'USD', rInv)).toBe(12345n); // 18488 × 0.0066773418735 = 123.4507… → 123.45 USD
  });
});

describe('HALF_EVEN at exact .5 boundaries (numRuns 1000 per exponent)', () => {
  const byExponent: [number, string][] = [
    [0, 'JPY'],
    [2, 'USD'],
    [3, 'KWD'],
    [4, 'CLF'],
  ];
  const k = fc.oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(MAX_MINOR - 1n), max: MAX_MINOR - 1n }));

  it.each(byExponent)(
    'exponent %i (%s): k + ½ minor units rounds to the even neighbour; a hair off the tie rounds to nearest',
    (exponent, code) => {
      expect(currencyExponent(code)).toBe(exponent);
      fc.assert(
        fc.property(k, fc.integer({ min: 1, max: 30 }), (kk, extra) => {
          const even = kk % 2n === 0n ? kk : kk + 1n;
          // Exactly (2k+1)/2 minor units, as a Decimal and as a plain string, both built from integers.
          const tie = decimalFromScaled((2n * kk + 1n) * 5n, exponent + 1);
          const tieText = plainDecimal((2n * kk + 1n) * 5n, exponent + 1);
          expect(roundDecimalToMinor(tie, code)).toBe(even);
          expect(roundDecimalToMinor(tieText, code, 'HALF_EVEN')).toBe(even);
          // HALF_UP differs exactly at the tie when k+½ rounds away from zero to an odd neighbour.
          const awayFromZero = kk >= 0n ? kk + 1n : kk;
          expect(roundDecimalToMinor(tieText, code, 'HALF_UP')).toBe(awayFromZero);
          // 10^-(exponent+1+extra) major units above / below the tie: no longer a tie.
          const unscaledTie = (2n * kk + 1n) * 5n * 10n ** BigInt(extra);
          expect(roundDecimalToMinor(decimalFromScaled(unscaledTie + 1n, exponent + 1 + extra), code)).toBe(kk + 1n);
          expect(roundDecimalToMinor(decimalFromScaled(unscaledTie - 1n, exponent + 1 + extra), code)).toBe(kk);
        }),
        { numRuns: 1_000 },
      );
    },
  );

  it.each(byExponent)('exponent %i (%s): convertMinor(2k+1, ×0.5) lands on the tie and rounds to even', (exponent, code) => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (kk) => {
        const even = kk % 2n === 0n ? kk : kk + 1n;
        expect(convertMinor(2n * kk + 1n, code, code, '0.5')).toBe(even);
        expect(convertMinor(2n * kk + 1n, code, code, '0.5', 'HALF_EVEN')).toBe(even);
      }),
      { numRuns: 1_000 },
    );
  });
});
