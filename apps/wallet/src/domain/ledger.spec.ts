import fc from 'fast-check';
import {
  FX_ACCOUNT,
  HOUSE_PREFIX,
  Leg,
  LedgerRuleError,
  Movement,
  SETTLEMENT_ACCOUNT,
  assertBalanced,
  canDebit,
  depositLegs,
  lockOrder,
  transferLegs,
} from './ledger';

const move = (src: string, dst: string, debit: [string, bigint], credit: [string, bigint] = debit): Movement => ({
  sourceAccount: src,
  destinationAccount: dst,
  debit: { currency: debit[0], minor: debit[1] },
  credit: { currency: credit[0], minor: credit[1] },
});

const leg = (accountId: string, currency: string, delta: bigint, house = accountId.startsWith(HOUSE_PREFIX)): Leg => ({
  accountId,
  currency,
  delta,
  house,
});

/** Per-currency sum of a set of legs. */
function sums(legs: readonly Leg[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const l of legs) out.set(l.currency, (out.get(l.currency) ?? 0n) + l.delta);
  return out;
}

const key = (l: Leg) => `${l.accountId}\u0000${l.currency}`;
const isSorted = (legs: readonly Leg[]) =>
  legs.every(
    (l, i) =>
      i === 0 || legs[i - 1].accountId < l.accountId || (legs[i - 1].accountId === l.accountId && legs[i - 1].currency <= l.currency),
  );

describe('transferLegs', () => {
  it('same currency: two legs, debit on the source, credit on the destination, in lock order', () => {
    const legs = transferLegs(move('ACC_B', 'ACC_A', ['USD', 500n]));
    expect(legs).toEqual([leg('ACC_A', 'USD', 500n), leg('ACC_B', 'USD', -500n)]);
    expect([...sums(legs).values()]).toEqual([0n]);
  });

  it('different currencies: four legs through house:fx, zero per currency', () => {
    const legs = transferLegs(move('ACC_SRC', 'ACC_DST', ['USD', 10_000n], ['IDR', 155_000_000n]));
    expect(legs).toHaveLength(4);
    expect(legs).toEqual(
      expect.arrayContaining([
        leg('ACC_SRC', 'USD', -10_000n),
        leg('ACC_DST', 'IDR', 155_000_000n),
        leg(FX_ACCOUNT, 'USD', 10_000n),
        leg(FX_ACCOUNT, 'IDR', -155_000_000n),
      ]),
    );
    expect(Object.fromEntries(sums(legs))).toEqual({ USD: 0n, IDR: 0n });
    // Only the FX legs are house legs.
    expect(legs.filter((l) => l.house).map((l) => l.accountId)).toEqual([FX_ACCOUNT, FX_ACCOUNT]);
    expect(isSorted(legs)).toBe(true);
    // 'ACC_…' < 'house:fx' (uppercase sorts before lowercase), and within house:fx IDR < USD.
    expect(legs.map((l) => `${l.accountId}/${l.currency}`)).toEqual(['ACC_DST/IDR', 'ACC_SRC/USD', 'house:fx/IDR', 'house:fx/USD']);
  });

  it('the legs do not depend on which side sorts first', () => {
    const a = transferLegs(move('ACC_A', 'ACC_B', ['EUR', 1n], ['JPY', 2n]));
    const b = transferLegs(move('ACC_B', 'ACC_A', ['JPY', 2n], ['EUR', 1n]));
    expect(a.map(key)).toEqual(b.map(key));
  });

  it.each([
    ['zero debit', move('A', 'B', ['USD', 0n])],
    ['negative debit', move('A', 'B', ['USD', -5n])],
    ['zero credit (fx)', move('A', 'B', ['USD', 5n], ['EUR', 0n])],
    ['negative credit (fx)', move('A', 'B', ['USD', 5n], ['EUR', -5n])],
    ['zero debit (fx)', move('A', 'B', ['USD', 0n], ['EUR', 5n])],
    ['negative debit (fx)', move('A', 'B', ['USD', -5n], ['EUR', 5n])],
  ])('refuses non-positive amounts: %s', (_name, m) => {
    expect(() => transferLegs(m)).toThrow(new LedgerRuleError('transfer amounts must be positive'));
  });

  it('refuses the same account on both sides (also cross-currency)', () => {
    expect(() => transferLegs(move('A', 'A', ['USD', 5n]))).toThrow(/differ/);
    expect(() => transferLegs(move('A', 'A', ['USD', 5n], ['EUR', 4n]))).toThrow(LedgerRuleError);
  });

  it('refuses a same-currency transfer whose debit differs from its credit', () => {
    expect(() => transferLegs(move('A', 'B', ['USD', 5n], ['USD', 6n]))).toThrow(/must debit what it credits/);
    expect(() => transferLegs(move('A', 'B', ['USD', 6n], ['USD', 5n]))).toThrow(LedgerRuleError);
  });

  it('keeps amounts beyond Number.MAX_SAFE_INTEGER exact', () => {
    const big = 9_223_372_036_854_775_807n; // int8 max
    const legs = transferLegs(move('A', 'B', ['IDR', big]));
    expect(legs.map((l) => l.delta)).toEqual([-big, big]);
  });
});

describe('depositLegs', () => {
  it('credits the wallet and debits house:settlement', () => {
    const legs = depositLegs('ACC_1', 'EUR', 2_500n);
    expect(legs).toEqual([
      { accountId: 'ACC_1', currency: 'EUR', delta: 2_500n, house: false },
      { accountId: SETTLEMENT_ACCOUNT, currency: 'EUR', delta: -2_500n, house: true },
    ]);
    expect(() => assertBalanced(legs)).not.toThrow();
  });

  it('lock order holds for wallet ids that sort after "house:"', () => {
    const legs = depositLegs('zz_wallet', 'EUR', 1n);
    expect(legs.map((l) => l.accountId)).toEqual([SETTLEMENT_ACCOUNT, 'zz_wallet']);
  });

  it.each([0n, -1n])('refuses a non-positive amount (%s)', (minor) => {
    expect(() => depositLegs('ACC_1', 'EUR', minor)).toThrow(LedgerRuleError);
    expect(() => depositLegs('ACC_1', 'EUR', minor)).toThrow('deposit amount must be positive');
  });
});

describe('lockOrder', () => {
  const legs = [
    leg('house:fx', 'USD', 1n),
    leg('ACC_B', 'USD', 1n),
    leg('ACC_A', 'USD', 1n),
    leg('house:fx', 'EUR', 1n),
    leg('ACC_A', 'EUR', 1n),
  ];

  it('sorts by account then currency, whatever the input order', () => {
    const expected = ['ACC_A/EUR', 'ACC_A/USD', 'ACC_B/USD', 'house:fx/EUR', 'house:fx/USD'];
    for (const perm of [legs, [...legs].reverse(), [legs[2], legs[0], legs[4], legs[1], legs[3]]]) {
      expect(lockOrder(perm).map((l) => `${l.accountId}/${l.currency}`)).toEqual(expected);
    }
  });

  it('does not mutate its input', () => {
    const copy = [...legs];
    lockOrder(legs);
    expect(legs).toEqual(copy);
  });
});

describe('assertBalanced', () => {
  it('accepts zero per currency (and no legs)', () => {
    expect(() => assertBalanced([])).not.toThrow();
    expect(() => assertBalanced([leg('A', 'USD', -3n), leg('B', 'USD', 3n), leg('A', 'EUR', 1n), leg('C', 'EUR', -1n)])).not.toThrow();
  });

  it('refuses a journal unbalanced in any currency, even if the grand total is zero', () => {
    expect(() => assertBalanced([leg('A', 'USD', -3n), leg('B', 'USD', 2n)])).toThrow(/USD: -1/);
    expect(() => assertBalanced([leg('A', 'USD', -3n), leg('B', 'EUR', 3n)])).toThrow(LedgerRuleError);
  });
});

describe('canDebit', () => {
  it.each<[bigint, bigint, bigint, boolean, boolean]>([
    // ledger, held, debit, overdraft → allowed
    [100n, 0n, 100n, false, true],
    [100n, 0n, 101n, false, false],
    [100n, 30n, 70n, false, true],
    [100n, 30n, 71n, false, false],
    [0n, 0n, 1n, false, false],
    [-50n, 0n, 1n, false, false],
    [0n, 0n, 1_000n, true, true],
    [-50n, 20n, 1n, true, true],
    [100n, 100n, 1n, false, false],
  ])('ledger %s, held %s, debit %s, overdraft %s → %s', (ledger, held, debit, overdraft, allowed) => {
    expect(canDebit(ledger, held, debit, overdraft)).toBe(allowed);
  });
});

describe('properties', () => {
  const account: fc.Arbitrary<string> = fc.constantFrom('ACC_A', 'ACC_B', 'acc_c', 'ZED', 'house_like', 'w-1');
  const currency: fc.Arbitrary<string> = fc.constantFrom('USD', 'EUR', 'IDR', 'JPY');
  const positive = fc.bigInt({ min: 1n, max: 9_223_372_036_854_775_807n });
  const movement = fc
    .record({ src: account, dst: account, dc: currency, cc: currency, d: positive, c: positive })
    .filter((r) => r.src !== r.dst)
    .map((r) => move(r.src, r.dst, [r.dc, r.d], [r.cc, r.dc === r.cc ? r.d : r.c]));

  it('every transfer balances per currency, is in lock order, and has 2 or 4 legs', () => {
    fc.assert(
      fc.property(movement, (m) => {
        const legs = transferLegs(m);
        for (const s of sums(legs).values()) expect(s).toBe(0n);
        expect(isSorted(legs)).toBe(true);
        expect(legs).toHaveLength(m.debit.currency === m.credit.currency ? 2 : 4);
        expect(legs).toContainEqual(leg(m.sourceAccount, m.debit.currency, -m.debit.minor, false));
        expect(legs).toContainEqual(leg(m.destinationAccount, m.credit.currency, m.credit.minor, false));
      }),
    );
  });

  it('every deposit balances per currency', () => {
    fc.assert(
      fc.property(account, currency, positive, (a, c, minor) => {
        const legs = depositLegs(a, c, minor);
        expect([...sums(legs).values()]).toEqual([0n]);
        expect(isSorted(legs)).toBe(true);
      }),
    );
  });

  it('lockOrder returns a sorted permutation, identical for any shuffle of its input', () => {
    const legsArb = fc.array(
      fc.record({ accountId: account, currency, delta: fc.bigInt({ min: -1000n, max: 1000n }), house: fc.boolean() }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(
        legsArb.chain((legs) => fc.tuple(fc.constant(legs), fc.shuffledSubarray(legs, { minLength: legs.length, maxLength: legs.length }))),
        ([legs, shuffled]) => {
          const sorted = lockOrder(legs);
          expect(isSorted(sorted)).toBe(true);
          // A permutation: the same legs (as objects), each once.
          expect(sorted).toHaveLength(legs.length);
          expect(new Set(sorted).size).toBe(legs.length);
          expect(sorted.every((l) => legs.includes(l))).toBe(true);
          // Deterministic: the lock sequence (account, currency) does not depend on the input order.
          expect(lockOrder(shuffled).map(key)).toEqual(sorted.map(key));
        },
      ),
    );
  });

  it('a non-overdraft debit is allowed exactly when available covers it', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -10_000n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 1n, max: 10_000n }),
        (ledger, held, debit) => {
          expect(canDebit(ledger, held, debit, false)).toBe(ledger - held >= debit);
          expect(canDebit(ledger, held, debit, true)).toBe(true);
        },
      ),
    );
  });
});

describe('transferLegs with FX revenue', () => {
  const cross = (revenue?: bigint, currency = 'USD') => ({
    sourceAccount: 'ACC_A',
    destinationAccount: 'ACC_B',
    debit: { currency: 'USD', minor: 10_000n },
    credit: { currency: 'IDR', minor: 161_000_000n },
    revenue: revenue === undefined ? undefined : { currency, minor: revenue },
  });

  it('books the spread to house:fx_revenue and the rest to house:fx, still balanced per currency', () => {
    const legs = transferLegs(cross(30n));
    expect(legs).toEqual(
      expect.arrayContaining([
        { accountId: 'ACC_A', currency: 'USD', delta: -10_000n, house: false },
        { accountId: 'house:fx', currency: 'USD', delta: 9_970n, house: true },
        { accountId: 'house:fx_revenue', currency: 'USD', delta: 30n, house: true },
        { accountId: 'house:fx', currency: 'IDR', delta: -161_000_000n, house: true },
        { accountId: 'ACC_B', currency: 'IDR', delta: 161_000_000n, house: false },
      ]),
    );
    expect(legs).toHaveLength(5);
    expect(() => assertBalanced(legs)).not.toThrow();
  });

  it('no revenue leg when the spread is zero; refuses revenue that is negative, not below the debit, in another currency, or on a same-currency transfer', () => {
    expect(transferLegs(cross(0n))).toHaveLength(4);
    expect(transferLegs(cross(9_999n))).toHaveLength(5);
    // Refused by the revenue rule itself, not only by the balance check that follows it.
    const revenueRule = new LedgerRuleError('FX revenue must be at least zero and less than the debit');
    expect(() => transferLegs(cross(-1n))).toThrow(revenueRule);
    expect(() => transferLegs(cross(10_000n))).toThrow(revenueRule);
    expect(() => transferLegs(cross(5n, 'IDR'))).toThrow(/debit currency/);
    expect(() =>
      transferLegs({
        sourceAccount: 'A',
        destinationAccount: 'B',
        debit: { currency: 'USD', minor: 5n },
        credit: { currency: 'USD', minor: 5n },
        revenue: { currency: 'USD', minor: 1n },
      }),
    ).toThrow(/cross-currency/);
  });
});
