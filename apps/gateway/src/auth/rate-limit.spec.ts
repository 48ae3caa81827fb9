import { effectiveLimit, gcra, rateLimitHeaders, RateDecision } from './rate-limit';
import { MemoryRateLimitStore } from './rate-limit.store';

const S = 1_000_000;

/** Runs `n` requests at `now` against one bucket; the decisions in order. */
function burst(
  limit: { perSec: number; burst: number },
  n: number,
  now: number,
  start?: number,
): { decisions: RateDecision[]; tat?: number } {
  let tat = start;
  const decisions: RateDecision[] = [];
  for (let i = 0; i < n; i++) {
    const r = gcra(tat, now, limit);
    tat = r.tat;
    decisions.push(r.decision);
  }
  return { decisions, tat };
}

describe('GCRA token bucket', () => {
  const limit = { perSec: 2, burst: 3 };

  it('allows `burst` requests at once, then 429s the next one', () => {
    const { decisions } = burst(limit, 4, 10 * S);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions.every((d) => d.limit === 3)).toBe(true);
  });

  it('tells how long until the next request is allowed, and it is allowed then, not before', () => {
    const now = 10 * S;
    const { decisions, tat } = burst(limit, 4, now);
    const denied = decisions[3];
    expect(denied.retryAfterUs).toBe(S / 2); // one token every 500 ms
    expect(gcra(tat, now + denied.retryAfterUs - 1, limit).decision.allowed).toBe(false);
    const later = gcra(tat, now + denied.retryAfterUs, limit).decision;
    expect(later).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refills at the sustained rate up to the burst, never beyond', () => {
    const now = 10 * S;
    const { tat } = burst(limit, 3, now);
    expect(gcra(tat, now + S, limit).decision.remaining).toBe(1); // 2 tokens back after 1 s, one used
    expect(gcra(tat, now + 60 * S, limit).decision.remaining).toBe(2); // full bucket (3), one used
  });

  it('reports the time until the bucket is full again', () => {
    const { decisions } = burst(limit, 3, 10 * S);
    expect(decisions.map((d) => d.resetUs)).toEqual([S / 2, S, 1.5 * S]);
  });

  it('a denied request does not consume anything', () => {
    const now = 10 * S;
    const { tat } = burst(limit, 3, now);
    const denied = gcra(tat, now, limit);
    expect(denied.tat).toBe(tat);
  });

  it('lets exactly perSec × seconds + burst through over a long steady flood', () => {
    const l = { perSec: 10, burst: 5 };
    let tat: number | undefined;
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 7) {
      const r = gcra(tat, 5 * S + ms * 1000, l);
      tat = r.tat;
      if (r.decision.allowed) allowed++;
    }
    expect(allowed).toBeGreaterThanOrEqual(10 * 10 + 5 - 1);
    expect(allowed).toBeLessThanOrEqual(10 * 10 + 5);
  });

  it('supports rates below one per second (0.2/s: one request every 5 s)', () => {
    const l = { perSec: 0.2, burst: 1 };
    const first = gcra(undefined, 0, l);
    const denied = gcra(first.tat, 4 * S, l).decision;
    expect(denied).toMatchObject({ allowed: false, retryAfterUs: S });
    expect(gcra(first.tat, 5 * S, l).decision.allowed).toBe(true);
  });

  it('with burst 1 allows one request per interval', () => {
    const l = { perSec: 1, burst: 1 };
    const first = gcra(undefined, 0, l);
    expect(first.decision.allowed).toBe(true);
    expect(gcra(first.tat, S - 1, l).decision.allowed).toBe(false);
    expect(gcra(first.tat, S, l).decision.allowed).toBe(true);
  });
});

describe('rate limit headers', () => {
  it('allowed: RateLimit-* only, reset rounded up to whole seconds', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 10, remaining: 9, retryAfterUs: 0, resetUs: 100_000 })).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '9',
      'RateLimit-Reset': '1',
    });
  });

  it('denied: Retry-After of at least 1 second', () => {
    const h = rateLimitHeaders({ allowed: false, limit: 10, remaining: 0, retryAfterUs: 1, resetUs: 2_500_000 });
    expect(h['Retry-After']).toBe('1');
    expect(h['RateLimit-Reset']).toBe('3');
    expect(rateLimitHeaders({ allowed: false, limit: 1, remaining: 0, retryAfterUs: 2_000_001, resetUs: 0 })['Retry-After']).toBe('3');
  });
});

describe('effectiveLimit', () => {
  const defaults = { perSec: 100, burst: 200 };
  it('uses the defaults without an override', () => {
    expect(effectiveLimit(defaults, { perSec: null, burst: null })).toEqual(defaults);
  });
  it('a rate override alone brings a burst of the same size', () => {
    expect(effectiveLimit(defaults, { perSec: 5, burst: null })).toEqual({ perSec: 5, burst: 5 });
  });
  it('overrides both', () => {
    expect(effectiveLimit(defaults, { perSec: 5, burst: 2 })).toEqual({ perSec: 5, burst: 2 });
  });
  it('keeps 0 (no limit) and a burst of at least 1', () => {
    expect(effectiveLimit(defaults, { perSec: 0 })).toEqual({ perSec: 0, burst: 1 });
  });
});

describe('MemoryRateLimitStore', () => {
  it('keeps one bucket per key, on its clock', async () => {
    let now = 50 * S;
    const store = new MemoryRateLimitStore(() => now);
    const l = { perSec: 1, burst: 2 };
    expect((await store.hit('a', l)).allowed).toBe(true);
    expect((await store.hit('a', l)).allowed).toBe(true);
    expect((await store.hit('a', l)).allowed).toBe(false);
    expect((await store.hit('b', l)).allowed).toBe(true);
    now += S;
    expect((await store.hit('a', l)).allowed).toBe(true);
  });

  it('forgets full buckets when it grows large', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(() => now);
    for (let i = 0; i <= 10_001; i++) await store.hit(`k${i}`, { perSec: 1000, burst: 1 });
    now = 10 * S;
    await store.hit('fresh', { perSec: 1000, burst: 1 });
    expect(store.size).toBe(1);
  });
});
