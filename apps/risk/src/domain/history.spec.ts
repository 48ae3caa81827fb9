import fc from 'fast-check';
import { historySpec } from './features';
import { InMemoryHistory, SameInstantHistory } from './history';
import { parseRulesFile } from './rules';

const { spec } = historySpec([
  parseRulesFile({
    version: 'h',
    reference_currency: 'USD',
    thresholds: { review: 50, decline: 80 },
    features: { history_size: 2, amount_bands: { micro: { lt: '5.00', window: '1h' } } },
    rules: [],
  }),
]);
const S = 1000;

describe('InMemoryHistory', () => {
  it('a new account: empty history, destination not seen, no age', () => {
    const h = new InMemoryHistory();
    expect(h.read('A', 'D', 0, spec)).toEqual({
      count1m: 0,
      count1h: 0,
      count24h: 0,
      sum1mRefMinor: 0n,
      sum1hRefMinor: 0n,
      sum24hRefMinor: 0n,
      bandCounts: { b0: 0 },
      historyRefMinor: [],
      destinationSeen: false,
    });
    expect(h.read('A', undefined, 0, spec).destinationSeen).toBeUndefined();
  });

  it('windows end now and start strictly after now − length; sums and bands count priced payments in the reference currency', () => {
    const h = new InMemoryHistory();
    const now = 100_000 * S;
    h.record('A', { at: now - 86_400 * S, destination: 'D0', referenceCurrency: 'USD', amountRefMinor: 1n }); // exactly 24 h: out
    h.record('A', { at: now - 86_399 * S, destination: 'D1', referenceCurrency: 'USD', amountRefMinor: 10n });
    h.record('A', { at: now - 3600 * S, destination: 'D1', referenceCurrency: 'USD', amountRefMinor: 100n }); // exactly 1 h: out of the hour
    h.record('A', { at: now - 3599 * S, referenceCurrency: 'USD', amountRefMinor: 499n }); // micro
    h.record('A', { at: now - 60 * S, referenceCurrency: 'USD' }); // unpriced, exactly 1 min: out of the minute
    h.record('A', { at: now - 59 * S, referenceCurrency: 'EUR', amountRefMinor: 3n }); // another reference
    h.record('A', { at: now - 1 * S, referenceCurrency: 'USD', amountRefMinor: 2n }); // micro
    h.record('B', { at: now, referenceCurrency: 'USD', amountRefMinor: 5n });
    expect(h.read('A', 'D1', now, spec)).toEqual({
      count1m: 2,
      count1h: 4,
      count24h: 6,
      sum1mRefMinor: 2n,
      sum1hRefMinor: 501n,
      sum24hRefMinor: 611n,
      bandCounts: { b0: 2 },
      historyRefMinor: [2n, 499n],
      destinationSeen: true,
      accountAgeSeconds: 86_400,
    });
    expect(h.read('A', 'D9', now + 0.5 * S, spec).accountAgeSeconds).toBe(86_400);
    expect(h.read('A', 'D9', now, spec).destinationSeen).toBe(false);
  });

  it('the history sample reaches beyond the windows', () => {
    const h = new InMemoryHistory();
    h.record('A', { at: 0, referenceCurrency: 'USD', amountRefMinor: 7n });
    h.record('A', { at: 1, referenceCurrency: 'USD' });
    expect(h.read('A', undefined, 30 * 86_400 * S, spec)).toMatchObject({
      count24h: 0,
      historyRefMinor: [7n],
      accountAgeSeconds: 30 * 86_400,
    });
  });

  it('refuses events out of time order', () => {
    const h = new InMemoryHistory();
    h.record('A', { at: 10, referenceCurrency: 'USD' });
    expect(() => h.record('A', { at: 9, referenceCurrency: 'USD' })).toThrow('events must be recorded in time order');
  });
});

describe('SameInstantHistory', () => {
  const { spec: wide } = historySpec([
    parseRulesFile({
      version: 'w',
      reference_currency: 'USD',
      thresholds: { review: 50, decline: 80 },
      features: {
        history_size: 3,
        amount_bands: {
          micro: { lt: '5.00', window: '1h' },
          big: { gte: '1.00', window: '48h' },
          mid: { gte: '2.00', lt: '9.00', window: '1m' },
        },
      },
      rules: [],
    }),
  ]);
  const event = fc.record({
    destination: fc.option(fc.constantFrom('D1', 'D2', 'D3'), { nil: undefined }),
    amountRefMinor: fc.option(fc.bigInt({ min: 0n, max: 1_500n }), { nil: undefined }),
  });

  it('decisions recorded at the read instant: each next read is what reading again would give', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 86_400 }), event), { maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 8 }),
        (past, together) => {
          const now = 200_000 * S;
          const truth = new InMemoryHistory();
          for (const [ago, e] of [...past].sort((a, b) => b[0] - a[0]))
            truth.record('A', { at: now - ago * S, referenceCurrency: 'USD', ...e });
          const asked = ['D1', 'D2', 'D3'].filter((d) => truth.read('A', d, now, wide).destinationSeen);
          const group = new SameInstantHistory(truth.read('A', 'D1', now, wide), asked, wide);
          for (const e of together) {
            for (const d of [undefined, 'D1', 'D2', 'D3']) expect(group.read(d)).toEqual(truth.read('A', d, now, wide));
            group.record(e);
            truth.record('A', { at: now, referenceCurrency: 'USD', ...e });
          }
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it("a new account's first decision makes the next one's age 0", () => {
    const group = new SameInstantHistory(new InMemoryHistory().read('A', undefined, 0, spec), [], spec);
    expect(group.read('D').accountAgeSeconds).toBeUndefined();
    group.record({ destination: 'D', amountRefMinor: 3n });
    expect(group.read('D')).toMatchObject({
      accountAgeSeconds: 0,
      count1m: 1,
      destinationSeen: true,
      bandCounts: { b0: 1 },
      historyRefMinor: [3n],
    });
  });
});
