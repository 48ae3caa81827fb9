import { D } from '@paygate/money';
import { ECB_REFERENCE_SNAPSHOT } from '../ecb-snapshot.data';
import { LiveFeedProvider } from './live-feed.provider';
import type { RateSnapshot } from './types';

const ANCHOR = ECB_REFERENCE_SNAPSHOT.rates;

function ticks(feed: LiveFeedProvider, n: number): RateSnapshot {
  let last: RateSnapshot | undefined;
  for (let i = 0; i < n; i++) last = feed.tick();
  return last!;
}

/** |rate / anchor − 1|, exact. */
function deviation(rate: string, anchor: string): InstanceType<typeof D> {
  return new D(rate).div(anchor).minus(1).abs();
}

describe('LiveFeedProvider', () => {
  it('is deterministic: the same seed and number of ticks give identical rates, whatever the clock', () => {
    let clockA = 0;
    let clockB = 1_700_000_000_000;
    const a = new LiveFeedProvider({ seed: 'demo', now: () => (clockA += 1000) });
    const b = new LiveFeedProvider({ seed: 'demo', now: () => (clockB += 7) });
    expect(ticks(a, 300).rates).toEqual(ticks(b, 300).rates);
    expect(a.ticks).toBe(300);

    const other = new LiveFeedProvider({ seed: 'another seed' });
    expect(ticks(other, 300).rates).not.toEqual(a.latest()!.rates);
    // A fresh feed with the demo seed retraces the same path tick by tick.
    const c = new LiveFeedProvider({ seed: 'demo' });
    const first = c.tick().rates;
    expect(new LiveFeedProvider({ seed: 'demo' }).tick().rates).toEqual(first);
    expect(first).not.toEqual(c.tick().rates);
  });

  it('pins the first tick of the default seed (a change in the model or PRNG is deliberate)', () => {
    const feed = new LiveFeedProvider({ now: () => 0 });
    const rates = feed.tick().rates;
    expect(Object.keys(rates).sort()).toEqual(Object.keys(ANCHOR).sort());
    // Stored, not recomputed: the test fails if the sequence changes.
    expect({ USD: rates.USD, IDR: rates.IDR, JPY: rates.JPY, GBP: rates.GBP }).toMatchInlineSnapshot(`
     {
       "GBP": "0.829758",
       "IDR": "16820.4",
       "JPY": "163.046",
       "USD": "1.03976",
     }
    `);
  });

  it('publishes every rate as a positive plain decimal with at most 6 significant digits', () => {
    const feed = new LiveFeedProvider({ seed: 'digits' });
    let sixDigitRates = 0;
    const bad: string[] = [];
    for (let i = 0; i < 500; i++) {
      for (const [code, rate] of Object.entries(feed.tick().rates)) {
        // plain (no exponent), no trailing zeros, positive, at most 6 significant digits
        const value = new D(rate);
        if (!/^[0-9]+(\.[0-9]*[1-9])?$/.test(rate) || !value.gt(0) || value.sd() > 6 || !/^[A-Z]{3}$/.test(code))
          bad.push(`${code}=${rate}`);
        if (value.sd() === 6) sixDigitRates++;
      }
    }
    expect(bad).toEqual([]);
    expect(sixDigitRates).toBeGreaterThan(500 * 20); // most rates use all six digits
  });

  it('reverts to the anchor: over 10,000 ticks every rate stays within ±5 % of the ECB anchor', () => {
    const feed = new LiveFeedProvider({ seed: 'mean-reversion' });
    const bounds = Object.entries(ANCHOR).map(([code, a]) => [code, new D(a).times('0.95'), new D(a).times('1.05')] as const);
    const outside: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const { rates } = feed.tick();
      for (const [code, low, high] of bounds) {
        const rate = new D(rates[code]);
        if (rate.lt(low) || rate.gt(high)) outside.push(`tick ${i + 1}: ${code}=${rates[code]}`);
      }
    }
    expect(outside).toEqual([]);
    // 5 bps shocks with a 1 % pull give a stationary deviation of about 0.35 %: it does move.
    const final = feed.latest()!.rates;
    const moved = Object.keys(ANCHOR).filter((code) => deviation(final[code], ANCHOR[code]).gt('0.001'));
    expect(moved.length).toBeGreaterThan(10);
  });

  it('moves further from the anchor without mean reversion (same shocks)', () => {
    const anchor = { pivot: 'EUR', rates: { USD: '1.0389', IDR: '16820.00', JPY: '163.06' } };
    const maxDeviation = (meanReversion: string) => {
      const feed = new LiveFeedProvider({ seed: 'walk', anchor, meanReversion });
      let max = new D(0);
      for (let i = 0; i < 3000; i++) {
        const { rates } = feed.tick();
        for (const code of Object.keys(anchor.rates)) max = D.max(max, deviation(rates[code], anchor.rates[code as 'USD']));
      }
      return max;
    };
    expect(maxDeviation('0').gt(maxDeviation('0.01').times(2))).toBe(true);
  });

  it('with zero volatility stays on the anchor rounded to 6 significant digits', () => {
    const feed = new LiveFeedProvider({ volatilityBps: 0, anchor: { pivot: 'EUR', rates: { IDR: '16820.00', XYZ: '1.23456789' } } });
    expect(ticks(feed, 50).rates).toEqual({ IDR: '16820', XYZ: '1.23457' });
  });

  it('ticks every tickMs once started, stamping asOf with the clock, and stops ticking after stop()', () => {
    jest.useFakeTimers({ now: Date.UTC(2025, 0, 2, 9) });
    try {
      const feed = new LiveFeedProvider({ tickMs: 250 });
      expect(feed.maxAgeMs).toBe(1250);
      expect(feed.latest()).toBeUndefined();
      const seen: RateSnapshot[] = [];
      const unsubscribe = feed.onSnapshot((s) => seen.push(s));

      feed.start();
      feed.start(); // idempotent: one timer
      expect(seen).toHaveLength(1); // the current market, published at once
      expect(seen[0].rates.USD).toBe('1.0389');
      expect(feed.ticks).toBe(0);

      jest.advanceTimersByTime(1000);
      expect(seen).toHaveLength(5);
      expect(feed.ticks).toBe(4);
      expect(seen.map((s) => s.asOf.getTime() - Date.UTC(2025, 0, 2, 9))).toEqual([0, 250, 500, 750, 1000]);
      expect(seen.every((s) => s.provider === 'live-feed' && s.pivot === 'EUR')).toBe(true);
      expect(feed.latest()).toBe(seen[4]);

      feed.stop();
      feed.stop();
      jest.advanceTimersByTime(5000);
      expect(seen).toHaveLength(5);

      unsubscribe();
      feed.tick();
      expect(seen).toHaveLength(5);
    } finally {
      jest.useRealTimers();
    }
  });

  it('isolates a failing listener from the others', () => {
    const errors: unknown[] = [];
    const feed = new LiveFeedProvider({ onListenerError: (e) => errors.push(e) });
    const seen: number[] = [];
    feed.onSnapshot(() => {
      throw new Error('boom');
    });
    feed.onSnapshot(() => seen.push(feed.ticks));
    feed.tick();
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it('rejects invalid options', () => {
    expect(() => new LiveFeedProvider({ tickMs: 0 })).toThrow(RangeError);
    expect(() => new LiveFeedProvider({ volatilityBps: 5000 })).toThrow(/volatilityBps/);
    expect(() => new LiveFeedProvider({ meanReversion: '1.5' })).toThrow(/meanReversion/);
    expect(() => new LiveFeedProvider({ significantDigits: 0 })).toThrow(/significantDigits/);
    expect(() => new LiveFeedProvider({ anchor: { pivot: 'EUR', rates: { USD: '-1' } } })).toThrow(/USD/);
  });
});
