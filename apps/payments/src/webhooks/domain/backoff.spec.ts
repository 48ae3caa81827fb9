import { afterFailure, backoffDelayMs, isDelivered } from './backoff';

describe('webhook retry backoff', () => {
  const policy = { retryBaseMs: 1000, retryMaxMs: 60_000, maxAttempts: 5 };

  it('doubles from the base, capped at the max; jitter keeps it within [half, full]', () => {
    const low = (n: number) => backoffDelayMs(n, policy, () => 0);
    const high = (n: number) => backoffDelayMs(n, policy, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(low)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect([1, 2, 3, 7, 50].map(high)).toEqual([1000, 2000, 4000, 60000, 60000]);
  });

  it('spreads retries with jitter', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(4, policy, random)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('schedules the next attempt until the limit, then fails the delivery', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    expect(afterFailure(1, policy, now, () => 0)).toEqual({ status: 'pending', nextAttemptAt: new Date(now.getTime() + 500) });
    expect(afterFailure(4, policy, now, () => 0)).toEqual({ status: 'pending', nextAttemptAt: new Date(now.getTime() + 4000) });
    expect(afterFailure(5, policy, now)).toEqual({ status: 'failed' });
    expect(afterFailure(9, policy, now)).toEqual({ status: 'failed' });
  });

  it('only a 2xx answer is a delivery', () => {
    expect([200, 201, 204, 299].every(isDelivered)).toBe(true);
    expect([null, 100, 301, 302, 400, 410, 500, 503].some(isDelivered)).toBe(false);
  });
});
