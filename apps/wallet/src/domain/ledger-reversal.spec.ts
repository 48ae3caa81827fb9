import fc from 'fast-check';
import {
  AlreadyReversed,
  FX_ACCOUNT,
  FX_REVENUE_ACCOUNT,
  Leg,
  LedgerRuleError,
  Movement,
  PostedTransfer,
  SETTLEMENT_ACCOUNT,
  assertBalanced,
  lockOrder,
  reversalLegs,
  transferFromLegs,
  transferLegs,
  withdrawalLegs,
} from './ledger';

const NONE: AlreadyReversed = { credit: 0n, debit: 0n, revenue: 0n };

const movement = (debit: [string, bigint], credit: [string, bigint], revenue?: bigint): Movement => ({
  sourceAccount: 'ACC_SRC',
  destinationAccount: 'ACC_DST',
  debit: { currency: debit[0], minor: debit[1] },
  credit: { currency: credit[0], minor: credit[1] },
  revenue: revenue === undefined ? undefined : { currency: debit[0], minor: revenue },
});

/** A transfer as the repository sees it: posted, then read back from its journal. */
const posted = (debit: [string, bigint], credit: [string, bigint], revenue?: bigint): PostedTransfer =>
  transferFromLegs(transferLegs(movement(debit, credit, revenue)));

const wallet = (accountId: string, currency: string, delta: bigint): Leg => ({ accountId, currency, delta, house: false });
const house = (accountId: string, currency: string, delta: bigint): Leg => ({ accountId, currency, delta, house: true });

describe('withdrawalLegs', () => {
  it('debits the wallet and credits house:settlement, in lock order', () => {
    expect(withdrawalLegs('ACC_1', 'EUR', 2_500n)).toEqual([wallet('ACC_1', 'EUR', -2_500n), house(SETTLEMENT_ACCOUNT, 'EUR', 2_500n)]);
    expect(withdrawalLegs('zz_wallet', 'EUR', 1n).map((l) => l.accountId)).toEqual([SETTLEMENT_ACCOUNT, 'zz_wallet']);
  });

  it.each([0n, -1n])('refuses a non-positive amount (%s)', (minor) => {
    expect(() => withdrawalLegs('ACC_1', 'EUR', minor)).toThrow(new LedgerRuleError('withdrawal amount must be positive'));
  });
});

describe('transferFromLegs', () => {
  it('reads back a same-currency transfer', () => {
    expect(posted(['USD', 500n], ['USD', 500n])).toEqual({
      sourceAccount: 'ACC_SRC',
      destinationAccount: 'ACC_DST',
      debit: { currency: 'USD', minor: 500n },
      credit: { currency: 'USD', minor: 500n },
      revenue: 0n,
    });
  });

  it('reads back a cross-currency transfer, with or without FX revenue', () => {
    const expected = {
      sourceAccount: 'ACC_SRC',
      destinationAccount: 'ACC_DST',
      debit: { currency: 'USD', minor: 10_000n },
      credit: { currency: 'IDR', minor: 161_000_000n },
    };
    expect(posted(['USD', 10_000n], ['IDR', 161_000_000n])).toEqual({ ...expected, revenue: 0n });
    expect(posted(['USD', 10_000n], ['IDR', 161_000_000n], 30n)).toEqual({ ...expected, revenue: 30n });
  });

  it.each<[string, Leg[]]>([
    ['a deposit (one wallet leg)', [wallet('A', 'USD', 5n), house(SETTLEMENT_ACCOUNT, 'USD', -5n)]],
    ['three wallet legs', [wallet('A', 'USD', -10n), wallet('B', 'USD', 5n), wallet('C', 'USD', 5n)]],
    ['no debited wallet', [wallet('A', 'USD', 5n), wallet('B', 'USD', 5n), house(SETTLEMENT_ACCOUNT, 'USD', -10n)]],
    ['a zero wallet leg instead of the debit', [wallet('A', 'USD', 0n), wallet('B', 'USD', 5n), house(SETTLEMENT_ACCOUNT, 'USD', -5n)]],
    ['no credited wallet', [wallet('A', 'USD', -5n), wallet('B', 'USD', -5n), house(SETTLEMENT_ACCOUNT, 'USD', 10n)]],
    ['a zero wallet leg instead of the credit', [wallet('A', 'USD', -5n), wallet('B', 'USD', 0n), house(SETTLEMENT_ACCOUNT, 'USD', 5n)]],
    ['no legs', []],
  ])('refuses a journal that is not a transfer: %s', (_name, legs) => {
    expect(() => transferFromLegs(legs)).toThrow(new LedgerRuleError('not a transfer journal'));
  });
});

describe('reversalLegs', () => {
  it('gives back a whole same-currency transfer: two legs, the mirror of the original', () => {
    const t = posted(['USD', 500n], ['USD', 500n]);
    expect(reversalLegs(t, 500n, NONE)).toEqual({
      legs: [wallet('ACC_DST', 'USD', -500n), wallet('ACC_SRC', 'USD', 500n)],
      debitBack: 500n,
      revenueBack: 0n,
    });
  });

  it('gives back part of a cross-currency transfer at its original rate, FX revenue included', () => {
    // 100.00 USD (0.30 of it FX revenue) → 1,610,000 IDR; give back half of the credit.
    const t = posted(['USD', 10_000n], ['IDR', 161_000_000n], 30n);
    const { legs, debitBack, revenueBack } = reversalLegs(t, 80_500_000n, NONE);
    expect([debitBack, revenueBack]).toEqual([5_000n, 15n]);
    expect(legs).toEqual([
      wallet('ACC_DST', 'IDR', -80_500_000n),
      wallet('ACC_SRC', 'USD', 5_000n),
      house(FX_ACCOUNT, 'IDR', 80_500_000n),
      house(FX_ACCOUNT, 'USD', -4_985n),
      house(FX_REVENUE_ACCOUNT, 'USD', -15n),
    ]);
    expect(() => assertBalanced(legs)).not.toThrow();
  });

  it('books no FX revenue leg when the reversal gives no revenue back', () => {
    const t = posted(['USD', 10_000n], ['IDR', 161_000_000n]);
    const { legs, revenueBack } = reversalLegs(t, 161_000_000n, NONE);
    expect(revenueBack).toBe(0n);
    expect(legs.map((l) => `${l.accountId}/${l.currency}/${l.delta}`)).toEqual([
      'ACC_DST/IDR/-161000000',
      'ACC_SRC/USD/10000',
      'house:fx/IDR/161000000',
      'house:fx/USD/-10000',
    ]);
  });

  it('rounds each share half-even, in the debit currency', () => {
    // 0.10 USD → 1000 JPY: a quarter of the credit is worth 2.5 US cents → 2 (half-even), 7.5 → 8.
    const t = posted(['USD', 10n], ['JPY', 1_000n]);
    expect(reversalLegs(t, 250n, NONE).debitBack).toBe(2n);
    expect(reversalLegs(t, 750n, NONE).debitBack).toBe(8n);
    // 3 JPY → 0.02 USD: half of the credit is worth 1.5 JPY, rounded at JPY's exponent 0 → 2 (even).
    const u = posted(['JPY', 3n], ['USD', 2n]);
    expect(reversalLegs(u, 1n, NONE).debitBack).toBe(2n);
  });

  it('keeps successive partial reversals on the cumulative share, so they never drift', () => {
    const t = posted(['USD', 10n], ['JPY', 1_000n]);
    const first = reversalLegs(t, 250n, NONE); // share of 250/1000 → 2.5 → 2
    const already = { credit: 250n, debit: first.debitBack, revenue: first.revenueBack };
    // Together the first two give back the share of 500/1000 = 5, so the second one gives 3.
    expect(reversalLegs(t, 250n, already).debitBack).toBe(3n);
  });

  it('the reversal that takes the last of the credit takes exactly the rest', () => {
    const t = posted(['USD', 10_001n], ['EUR', 9_999n], 7n);
    const already = { credit: 3_333n, debit: 3_300n, revenue: 1n };
    const last = reversalLegs(t, 6_666n, already);
    expect([last.debitBack, last.revenueBack]).toEqual([10_001n - 3_300n, 7n - 1n]);
    expect(() => assertBalanced(last.legs)).not.toThrow();
  });

  it('refuses to give back nothing, a negative amount, or more than is left', () => {
    const t = posted(['USD', 1_000n], ['EUR', 900n]);
    expect(() => reversalLegs(t, 0n, NONE)).toThrow(new LedgerRuleError('a reversal must give back a positive amount'));
    expect(() => reversalLegs(t, -1n, NONE)).toThrow(new LedgerRuleError('a reversal must give back a positive amount'));
    expect(() => reversalLegs(t, 901n, NONE)).toThrow(new LedgerRuleError('only 900 of the credit is left to reverse'));
    const already = { credit: 600n, debit: 667n, revenue: 0n };
    expect(() => reversalLegs(t, 301n, already)).toThrow(new LedgerRuleError('only 300 of the credit is left to reverse'));
    expect(reversalLegs(t, 300n, already).debitBack).toBe(333n);
  });

  it('any sequence of partial reversals gives back exactly the original, each one balanced and in lock order (property)', () => {
    const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'KWD', 'IDR');
    const transfer = fc
      .record({ dc: currency, cc: currency, d: fc.bigInt({ min: 1n, max: 10n ** 12n }), c: fc.bigInt({ min: 1n, max: 10n ** 12n }) })
      .chain(({ dc, cc, d, c }) =>
        fc.record({
          dc: fc.constant(dc),
          cc: fc.constant(cc),
          d: fc.constant(d),
          c: fc.constant(dc === cc ? d : c),
          revenue: dc === cc ? fc.constant(0n) : fc.bigInt({ min: 0n, max: d - 1n }),
          cuts: fc.uniqueArray(fc.bigInt({ min: 1n, max: 10n ** 12n }), { maxLength: 6 }),
        }),
      );
    fc.assert(
      fc.property(transfer, ({ dc, cc, d, c, revenue, cuts }) => {
        const t = posted([dc, d], [cc, c], revenue);
        const points = [...new Set(cuts.map((x) => x % c).filter((x) => x > 0n))].sort((a, b) => (a < b ? -1 : 1));
        const already = { credit: 0n, debit: 0n, revenue: 0n };
        for (const point of [...points, c]) {
          const creditBack = point - already.credit;
          const r = reversalLegs(t, creditBack, already);
          assertBalanced(r.legs);
          expect(r.legs).toEqual(lockOrder(r.legs));
          // Never a part taken from the source or from FX revenue, never more than the original.
          expect(r.debitBack >= 0n && r.revenueBack >= 0n).toBe(true);
          already.credit += creditBack;
          already.debit += r.debitBack;
          already.revenue += r.revenueBack;
          expect(already.debit <= d && already.revenue <= revenue).toBe(true);
        }
        expect(already).toEqual({ credit: c, debit: d, revenue });
      }),
      { numRuns: 300 },
    );
  });
});
