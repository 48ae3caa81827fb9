import { DEMO_CURRENCIES } from '@paygate/contracts/demo';
import { currencyExponent, formatAmount, parseAmount } from '@paygate/money';
import {
  APPROX_UNITS_PER_USD,
  CARD_TEST_USD,
  CSV_HEADER,
  CURRENCY_PROFILES,
  FRAUD_PATTERNS,
  LABEL_HEADER,
  Rng,
  STRUCTURING_USD,
  TAKEOVER_USD,
  generateRows,
  idDigits,
  toCsvLine,
  toLabelLine,
  type DemoCurrency,
  type DummyRow,
  type GeneratorOptions,
} from './generator';

const rows = (opts: GeneratorOptions): DummyRow[] => [...generateRows(opts)];
const lines = (opts: GeneratorOptions): string[] => rows(opts).map(toCsvLine);

/** The seed's row: `PAY-000001,IDR,188.52,ACC_SRC_5081,ACC_DST_1228`. */
const ROW = /^PAY-[0-9]{6,},(USD|EUR|IDR|SGD|JPY|GBP),(0|[1-9][0-9]*)(\.[0-9]+)?,ACC_SRC_[0-9]{4},ACC_DST_[0-9]{4}$/;

function usdWorth(row: DummyRow): number {
  const minor = parseAmount(row.amount, row.currency);
  return Number(minor) / 10 ** currencyExponent(row.currency) / APPROX_UNITS_PER_USD[row.currency];
}

function groupPatterns(all: DummyRow[]): Map<string, { index: number; row: DummyRow }[]> {
  const byPattern = new Map<string, { index: number; row: DummyRow }[]>();
  all.forEach((row, index) => {
    if (!row.pattern_id) return;
    const list = byPattern.get(row.pattern_id) ?? [];
    list.push({ index, row });
    byPattern.set(row.pattern_id, list);
  });
  return byPattern;
}

describe('dummygen generator', () => {
  // One shared sample of ordinary traffic and one with fraud, reused by the statistical checks.
  const N = 20_000;
  const ordinary = rows({ count: N, seed: 'stats' });
  const withFraud = rows({ count: N, seed: 'fraud', fraudRate: 0.05 });

  describe('format', () => {
    it("uses the seed's header", () => {
      expect(CSV_HEADER).toBe('id,currency,amount,source_account,destination_account');
      expect(LABEL_HEADER).toBe('id,label,pattern_id');
    });

    it("writes every row in the seed's format, ids PAY-000001… in order", () => {
      for (const sample of [ordinary, withFraud]) {
        const bad = sample.filter((row, i) => !ROW.test(toCsvLine(row)) || row.id !== `PAY-${String(i + 1).padStart(6, '0')}`);
        expect(bad).toEqual([]);
      }
    });

    it('pins the first rows of seed 42, so a format or sampling change is deliberate', () => {
      expect(lines({ count: 3, seed: '42' })).toEqual([
        'PAY-000001,USD,35.78,ACC_SRC_4200,ACC_DST_2539',
        'PAY-000002,USD,136.24,ACC_SRC_8788,ACC_DST_5033',
        'PAY-000003,USD,58.53,ACC_SRC_0211,ACC_DST_3789',
      ]);
    });

    it('widens ids past 6 digits only when the last id needs it, keeping one width per file', () => {
      expect(idDigits(1, 999_999)).toBe(6);
      expect(idDigits(1, 1_000_000)).toBe(7);
      expect(rows({ count: 3, seed: 's', startId: 999_999 }).map((r) => r.id)).toEqual(['PAY-0999999', 'PAY-1000000', 'PAY-1000001']);
      expect(rows({ count: 2, seed: 's', startId: 41 }).map((r) => r.id)).toEqual(['PAY-000041', 'PAY-000042']);
    });

    it('writes nothing for count 0', () => {
      expect(rows({ count: 0, seed: 's' })).toEqual([]);
    });
  });

  describe('determinism', () => {
    it('gives identical rows for the same seed and different rows for another seed', () => {
      const a = lines({ count: 2_000, seed: 'alpha', fraudRate: 0.1 });
      expect(lines({ count: 2_000, seed: 'alpha', fraudRate: 0.1 })).toEqual(a);
      const b = lines({ count: 2_000, seed: 'beta', fraudRate: 0.1 });
      expect(b).not.toEqual(a);
      // Not just shifted ids: the payments themselves differ.
      const payload = (l: string[]) => l.map((x) => x.slice(x.indexOf(',')));
      expect(payload(b).filter((x, i) => x === payload(a)[i]).length).toBeLessThan(20);
    });

    it('treats integer seeds by value and any text as a seed', () => {
      expect(lines({ count: 50, seed: '042' })).toEqual(lines({ count: 50, seed: '42' }));
      expect(lines({ count: 50, seed: 'hello world' })).toEqual(lines({ count: 50, seed: 'hello world' }));
      expect(lines({ count: 50, seed: '43' })).not.toEqual(lines({ count: 50, seed: '42' }));
    });

    it('a prefix of a longer run is the shorter run (same seed)', () => {
      expect(lines({ count: 5_000, seed: 'p' }).slice(0, 1_000)).toEqual(lines({ count: 1_000, seed: 'p' }));
    });

    it('overlays fraud without reshuffling the ordinary traffic', () => {
      const plain = rows({ count: 500, seed: 'overlay' }).map(toCsvLine);
      const mixed = rows({ count: 600, seed: 'overlay', fraudRate: 0.2 }).filter((r) => !r.label);
      const payload = (l: string) => l.slice(l.indexOf(','));
      expect(mixed.slice(0, 400).map((r) => payload(toCsvLine(r)))).toEqual(plain.slice(0, 400).map(payload));
    });

    it('is lazy: the first rows of an enormous run come at once', () => {
      const it = generateRows({ count: 1e12, seed: 'lazy' });
      const first = [it.next().value, it.next().value] as DummyRow[];
      expect(first.map((r) => r.id)).toEqual(['PAY-0000000000001', 'PAY-0000000000002']); // 13 digits: the last id is 1e12
    });

    it('Rng is uniform enough and reproducible', () => {
      const a = new Rng('x');
      const b = new Rng('x');
      let sum = 0;
      let mismatches = 0;
      let outOfRange = 0;
      for (let i = 0; i < 100_000; i++) {
        const u = a.next();
        if (u !== b.next()) mismatches++;
        if (!(u >= 0 && u < 1)) outOfRange++;
        sum += u;
      }
      expect({ mismatches, outOfRange }).toEqual({ mismatches: 0, outOfRange: 0 });
      expect(sum / 100_000).toBeCloseTo(0.5, 2);
    });

    it('rejects bad options', () => {
      expect(() => rows({ count: -1, seed: 's' })).toThrow(RangeError);
      expect(() => rows({ count: 1.5, seed: 's' })).toThrow(RangeError);
      expect(() => rows({ count: 1, seed: '' })).toThrow(RangeError);
      expect(() => rows({ count: 1, seed: 's', fraudRate: 0.51 })).toThrow(RangeError);
      expect(() => rows({ count: 1, seed: 's', fraudRate: NaN })).toThrow(RangeError);
      expect(() => rows({ count: 1, seed: 's', startId: 0 })).toThrow(RangeError);
    });
  });

  describe('amounts', () => {
    it("parse with @paygate/money and have exactly the currency's decimals (JPY none)", () => {
      const bad = [...ordinary, ...withFraud].filter((row) => {
        const minor = parseAmount(row.amount, row.currency); // throws on anything malformed
        const decimals = row.amount.includes('.') ? row.amount.split('.')[1].length : 0;
        // canonical: exactly the exponent's decimals, so formatting the parsed value gives the text back
        return formatAmount(minor, row.currency) !== row.amount || decimals !== currencyExponent(row.currency);
      });
      expect(bad).toEqual([]);
      expect(ordinary.some((r) => r.currency === 'JPY' && !r.amount.includes('.'))).toBe(true);
    });

    it('are log-normal around each currency median, within the clamp', () => {
      for (const currency of DEMO_CURRENCIES) {
        const p = CURRENCY_PROFILES[currency];
        const scale = 10 ** currencyExponent(currency);
        const values = ordinary
          .filter((r) => r.currency === currency)
          .map((r) => Number(parseAmount(r.amount, currency)) / scale)
          .sort((x, y) => x - y);
        const median = values[values.length >> 1];
        expect(median).toBeGreaterThan(p.median * 0.85);
        expect(median).toBeLessThan(p.median * 1.15);
        expect(values[0]).toBeGreaterThanOrEqual(p.min);
        expect(values[values.length - 1]).toBeLessThanOrEqual(p.max);
        // A real spread, not a constant: the 90th percentile is several times the median.
        expect(values[Math.floor(values.length * 0.9)] / median).toBeGreaterThan(3);
      }
    });

    it('keeps ordinary payments under ~20,000 USD worth (demo wallets can pay, risk never declines on amount alone)', () => {
      expect(Math.max(...ordinary.map(usdWorth))).toBeLessThan(20_500);
    });

    it('writes IDR in whole rupiah', () => {
      const idr = ordinary.filter((r) => r.currency === 'IDR');
      expect(idr.length).toBeGreaterThan(0);
      expect(idr.filter((r) => !r.amount.endsWith('.00'))).toEqual([]);
    });
  });

  describe('accounts', () => {
    it('come from the demo ranges, sources paying destinations, never the same account', () => {
      const bad = [...ordinary, ...withFraud].filter(
        (row) =>
          !/^ACC_SRC_[0-9]{4}$/.test(row.source_account) ||
          !/^ACC_DST_[0-9]{4}$/.test(row.destination_account) ||
          row.source_account === row.destination_account,
      );
      expect(bad).toEqual([]);
    });

    it('recur with a skew: a hot set pays and receives much of the traffic, the long tail is wide', () => {
      const counts = (pick: (r: DummyRow) => string) => {
        const m = new Map<string, number>();
        for (const r of ordinary) m.set(pick(r), (m.get(pick(r)) ?? 0) + 1);
        return [...m.values()].sort((x, y) => y - x);
      };
      const src = counts((r) => r.source_account);
      const dst = counts((r) => r.destination_account);
      const top10 = (c: number[]) => c.slice(0, 10).reduce((s, x) => s + x, 0) / N;
      expect(top10(src)).toBeGreaterThan(0.08); // uniform would be 0.1%
      expect(top10(dst)).toBeGreaterThan(0.15);
      expect(src[0]).toBeGreaterThan(100); // the busiest source: ~3% of rows
      expect(src.length).toBeGreaterThan(5_000); // and thousands of occasional payers
      expect(dst.length).toBeGreaterThan(5_000);
    });
  });

  describe('currency mix', () => {
    it('matches the documented weights within 1.5 points for n = 20,000', () => {
      const weights = Object.values(CURRENCY_PROFILES).reduce((s, p) => s + p.weight, 0);
      expect(weights).toBeCloseTo(1, 10);
      for (const currency of DEMO_CURRENCIES) {
        const share = ordinary.filter((r) => r.currency === currency).length / N;
        expect(Math.abs(share - CURRENCY_PROFILES[currency].weight)).toBeLessThan(0.015);
      }
    });
  });

  describe('fraud patterns', () => {
    it('writes no labels at fraud rate 0', () => {
      expect(ordinary.some((r) => r.label !== undefined || toLabelLine(r) !== undefined)).toBe(false);
    });

    it.each([0.01, 0.05, 0.2, 0.5])('labels about %p of the rows', (rate) => {
      const sample = rate === 0.05 ? withFraud : rows({ count: N, seed: `rate-${rate}`, fraudRate: rate });
      const labelled = sample.filter((r) => r.label).length / N;
      expect(Math.abs(labelled - rate)).toBeLessThan(Math.max(0.003, rate * 0.05));
    });

    it('uses only the three patterns, all of them, each as consecutive rows under one pattern id', () => {
      const labels = new Set(withFraud.filter((r) => r.label).map((r) => r.label));
      expect([...labels].sort()).toEqual([...FRAUD_PATTERNS].sort());
      for (const [patternId, members] of groupPatterns(withFraud)) {
        const kinds = new Set(members.map((m) => m.row.label));
        expect(kinds.size).toBe(1);
        expect(patternId).toMatch(/^(CT|ATO|ST)-[0-9]{6}$/);
        members.forEach((m, k) => expect(m.index).toBe(members[0].index + k));
        expect(toLabelLine(members[0].row)).toBe(`${members[0].row.id},${members[0].row.label},${patternId}`);
      }
    });

    it('card testing: one source, many distinct destinations, tiny amounts, 8–20 rows', () => {
      const bursts = [...groupPatterns(withFraud).values()].filter((m) => m[0].row.label === 'card_testing');
      expect(bursts.length).toBeGreaterThan(10);
      for (const burst of bursts) {
        const r = burst.map((m) => m.row);
        expect(new Set(r.map((x) => x.source_account)).size).toBe(1);
        expect(new Set(r.map((x) => x.destination_account)).size).toBe(r.length);
        expect(new Set(r.map((x) => x.currency)).size).toBe(1);
        expect(r.length).toBeGreaterThanOrEqual(8);
        expect(r.length).toBeLessThanOrEqual(20);
        for (const x of r) expect(usdWorth(x)).toBeLessThanOrEqual(CARD_TEST_USD.max + 0.01);
      }
    });

    it('account takeover: a source quiet until then sends 3–6 large amounts to one new destination', () => {
      const takeovers = [...groupPatterns(withFraud).values()].filter((m) => m[0].row.label === 'account_takeover');
      expect(takeovers.length).toBeGreaterThan(10);
      for (const t of takeovers) {
        const r = t.map((m) => m.row);
        const before = withFraud.slice(0, t[0].index);
        expect(new Set(r.map((x) => x.source_account)).size).toBe(1);
        expect(new Set(r.map((x) => x.destination_account)).size).toBe(1);
        expect(before.some((x) => x.source_account === r[0].source_account)).toBe(false);
        expect(before.some((x) => x.destination_account === r[0].destination_account)).toBe(false);
        expect(r.length).toBeGreaterThanOrEqual(3);
        expect(r.length).toBeLessThanOrEqual(6);
        for (const x of r) {
          expect(usdWorth(x)).toBeGreaterThan(TAKEOVER_USD.min * 0.95);
          expect(usdWorth(x)).toBeLessThanOrEqual(TAKEOVER_USD.max);
        }
      }
    });

    it('structuring: one source, several amounts just under 5,000 USD worth', () => {
      const runs = [...groupPatterns(withFraud).values()].filter((m) => m[0].row.label === 'structuring');
      expect(runs.length).toBeGreaterThan(10);
      for (const run of runs) {
        const r = run.map((m) => m.row);
        expect(new Set(r.map((x) => x.source_account)).size).toBe(1);
        expect(new Set(r.map((x) => x.destination_account)).size).toBeLessThanOrEqual(2);
        expect(r.length).toBeGreaterThanOrEqual(3);
        for (const x of r) {
          expect(usdWorth(x)).toBeGreaterThanOrEqual(STRUCTURING_USD.min - 1);
          expect(usdWorth(x)).toBeLessThan(STRUCTURING_USD.threshold);
        }
      }
      // In USD itself the amounts read 4,9xx.xx: under the round threshold.
      const usd = runs.flat().filter((m) => m.row.currency === 'USD');
      for (const m of usd) expect(m.row.amount).toMatch(/^49[0-9]{2}\.[0-9]{2}$/);
    });

    it('leaves the mix of currencies in fraud rows to the same weights (no currency outside the demo set)', () => {
      const currencies = new Set(withFraud.filter((r) => r.label).map((r) => r.currency));
      for (const c of currencies) expect(DEMO_CURRENCIES).toContain(c as DemoCurrency);
    });
  });
});
