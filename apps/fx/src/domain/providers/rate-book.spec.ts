import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcbReferenceProvider } from './ecb-reference.provider';
import { HttpRateProvider } from './http.provider';
import { LiveFeedProvider } from './live-feed.provider';
import { RateBook, type RateTick } from './rate-book';
import type { IntervalTimers, RateProvider, RateSnapshot } from './types';

const LATEST = readFileSync(join(__dirname, '../../../test/fixtures/frankfurter-latest-2024-12-31.json'), 'utf8');
const DAY = 24 * 3600 * 1000;
const START = Date.UTC(2025, 0, 2, 10); // the morning after the 2024-12-31 publication

/** Timers that only fire when the test says so. */
function manualTimers(): IntervalTimers & { fire(): void; count(): number } {
  const callbacks = new Map<number, () => void>();
  let next = 0;
  return {
    setInterval: (callback) => (callbacks.set(++next, callback), next),
    clearInterval: (handle) => void callbacks.delete(handle as number),
    fire: () => [...callbacks.values()].forEach((cb) => cb()),
    count: () => callbacks.size,
  };
}

/** A Frankfurter stand-in for `fetch`: answers with `status` and the recorded body. */
function fakeFetch(state: { status: number; body: string; calls: number }): typeof fetch {
  return async () => {
    state.calls++;
    return new Response(state.body, { status: state.status, headers: { 'content-type': 'application/json' } });
  };
}

function setup(options: { ecbMaxAgeMs?: number } = {}) {
  let clock = START;
  const now = () => clock;
  const timers = manualTimers();
  const server = { status: 200, body: LATEST, calls: 0 };
  const live = new LiveFeedProvider({ now, timers, tickMs: 1000 });
  const http = new HttpRateProvider({ baseUrl: 'http://frankfurter.test', fetch: fakeFetch(server), now, timers });
  const ecb = new EcbReferenceProvider({ maxAgeMs: options.ecbMaxAgeMs });
  const book = new RateBook([live, http, ecb], { now, timers });
  const ticks: RateTick[] = [];
  book.onTick((t) => ticks.push(t));
  return {
    live,
    http,
    ecb,
    book,
    ticks,
    server,
    timers,
    advance: (ms: number) => (clock += ms),
    setClock: (ms: number) => (clock = ms),
    now,
  };
}

const activeOf = (book: RateBook) => book.status().find((s) => s.active)?.name;

describe('RateBook', () => {
  it('serves the live feed while it ticks, fails over to HTTP after its max age, then to the ECB reference', async () => {
    const { live, http, ecb, book, ticks, advance, setClock } = setup();
    expect(await http.refresh()).toBeDefined();
    const first = live.tick();

    expect(book.current()).toEqual({ snapshot: first, stale: false });
    expect(activeOf(book)).toBe('live-feed');
    expect(book.healthy()).toBe(true);

    // The feed goes silent: still fresh at exactly maxAgeMs (5 × 1000 ms), stale one ms later.
    advance(5000);
    expect(book.current().snapshot).toBe(first);
    advance(1);
    expect(book.current()).toEqual({ snapshot: http.latest(), stale: false });
    expect(book.status()).toEqual([
      { name: 'live-feed', state: 'stale', ageMs: 5001, maxAgeMs: 5000, errors: 0, active: false },
      {
        name: 'frankfurter',
        state: 'up',
        ageMs: START + 5001 - Date.UTC(2024, 11, 31, 15),
        maxAgeMs: 4 * DAY,
        errors: 0,
        active: true,
        circuit: 'closed',
      },
      {
        name: 'ecb-reference',
        state: 'up',
        ageMs: START + 5001 - Date.UTC(2024, 11, 31, 15),
        maxAgeMs: Infinity,
        errors: 0,
        active: false,
      },
    ]);

    // The HTTP snapshot (2024-12-31 15:00 UTC) goes stale 4 days later: the dated reference takes over.
    setClock(Date.UTC(2024, 11, 31, 15) + 4 * DAY + 1);
    expect(book.current()).toEqual({ snapshot: ecb.latest(), stale: false });
    expect(book.status().map((s) => [s.name, s.state, s.active])).toEqual([
      ['live-feed', 'stale', false],
      ['frankfurter', 'stale', false],
      ['ecb-reference', 'up', true],
    ]);
    expect(book.healthy()).toBe(true);

    // The feed ticks again: it is first in priority, so it is served again at once.
    const resumed = live.tick();
    expect(book.current()).toEqual({ snapshot: resumed, stale: false });
    // HTTP was active when it answered (the feed had not ticked yet); the reference never emits.
    expect(ticks.map((t) => t.snapshot.provider)).toEqual(['frankfurter', 'live-feed', 'live-feed']);
  });

  it('skips a provider whose circuit is open even though its snapshot is fresh', async () => {
    const { live, http, ecb, book, server, advance } = setup();
    await http.refresh();
    live.tick();
    advance(6000);
    expect(book.current().snapshot).toBe(http.latest());

    server.status = 500;
    for (let i = 0; i < 3; i++) await http.refresh();
    expect(http.state()).toBe('open');
    expect(book.current()).toEqual({ snapshot: ecb.latest(), stale: false });
    expect(book.status()[1]).toMatchObject({
      name: 'frankfurter',
      state: 'open',
      errors: 3,
      active: false,
      circuit: 'open',
      lastError: 'HTTP 500 from http://frankfurter.test/latest?base=EUR',
    });
  });

  it('with only a short-max-age provider that stopped: stale (RATE_STALE for callers) and unhealthy', () => {
    let clock = START;
    const timers = manualTimers();
    const live = new LiveFeedProvider({ now: () => clock, timers });
    const book = new RateBook([live], { now: () => clock, timers });
    expect(book.current()).toEqual({ stale: true }); // nothing at all yet
    expect(book.status()).toEqual([{ name: 'live-feed', state: 'empty', ageMs: null, maxAgeMs: 5000, errors: 0, active: false }]);
    expect(book.healthy()).toBe(false);

    book.start();
    expect(live.running).toBe(true);
    expect(book.healthy()).toBe(true);
    book.stop();
    expect(live.running).toBe(false);
    const last = live.latest()!;

    clock += 5001;
    expect(book.current()).toEqual({ snapshot: last, stale: true });
    expect(book.healthy()).toBe(false);
    expect(book.status()[0]).toMatchObject({ state: 'stale', ageMs: 5001, active: false });
    expect(book.healthy(clock - 1)).toBe(true); // `now` can be passed explicitly
  });

  it('when every provider is stale, offers the freshest snapshot, marked stale', async () => {
    const { live, http, book, advance } = setup({ ecbMaxAgeMs: DAY });
    await http.refresh();
    live.tick();
    advance(10 * DAY);
    expect(book.current()).toEqual({ snapshot: live.latest(), stale: true });
    expect(book.healthy()).toBe(false);
    expect(book.status().map((s) => s.state)).toEqual(['stale', 'stale', 'stale']);
    expect(book.status().some((s) => s.active)).toBe(false);
  });

  it('forwards only the active provider’s snapshots, with a strictly increasing seq, and publishes a failover', async () => {
    const { live, http, ecb, book, ticks, advance, setClock } = setup();
    const snapshots: RateSnapshot[] = [];
    for (let i = 0; i < 3; i++) {
      snapshots.push(live.tick());
      advance(1000);
    }
    await http.refresh(); // not active: not forwarded
    expect(ticks).toEqual(snapshots.map((snapshot, i) => ({ seq: i + 1, snapshot })));

    // The feed went silent: the failover check publishes the provider that took over, once.
    expect(book.checkFailover()).toBe('live-feed');
    advance(5000);
    expect(book.checkFailover()).toBe('frankfurter');
    expect(book.checkFailover()).toBe('frankfurter');
    expect(ticks.slice(3)).toEqual([{ seq: 4, snapshot: http.latest() }]);

    // A poll of the now-active HTTP provider is forwarded as it comes.
    await http.refresh();
    expect(ticks[4]).toEqual({ seq: 5, snapshot: http.latest() });

    setClock(Date.UTC(2025, 0, 10));
    expect(book.checkFailover()).toBe('ecb-reference');
    expect(ticks[5]).toEqual({ seq: 6, snapshot: ecb.latest() });

    live.tick();
    expect(ticks[6]).toMatchObject({ seq: 7, snapshot: { provider: 'live-feed' } });
    const seqs = ticks.map((t) => t.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);

    book.close();
    live.tick();
    expect(ticks).toHaveLength(7);
  });

  it('start() starts every provider and the failover check; stop() stops them (both idempotent)', async () => {
    const { live, http, book, ticks, timers, server } = setup();
    book.start();
    book.start();
    expect(live.running && http.running).toBe(true);
    expect(timers.count()).toBe(3); // live tick, HTTP poll, book check
    await http.refresh(); // joins the poll start() began
    expect(server.calls).toBe(1);
    expect(ticks.map((t) => t.snapshot.provider)).toEqual(['live-feed']); // the feed's first publication

    book.stop();
    book.stop();
    expect(live.running || http.running).toBe(false);
    expect(timers.count()).toBe(0);
  });

  it('runs end to end on timers: the feed ticks, stops, and the book fails over by itself', async () => {
    jest.useFakeTimers({ now: START });
    try {
      const live = new LiveFeedProvider({ tickMs: 1000 });
      const server = { status: 200, body: LATEST, calls: 0 };
      const http = new HttpRateProvider({ baseUrl: 'http://frankfurter.test', fetch: fakeFetch(server) });
      const book = new RateBook([live, http, new EcbReferenceProvider()], { checkMs: 500 });
      const ticks: RateTick[] = [];
      book.onTick((t) => ticks.push(t));
      book.start();
      await jest.advanceTimersByTimeAsync(3000);
      expect(ticks.map((t) => t.snapshot.provider)).toEqual(['live-feed', 'live-feed', 'live-feed', 'live-feed']);
      expect(http.latest()).toBeDefined();

      live.stop();
      await jest.advanceTimersByTimeAsync(5500);
      expect(book.current().snapshot?.provider).toBe('frankfurter');
      expect(ticks.at(-1)!.snapshot.provider).toBe('frankfurter');
      expect(ticks.map((t) => t.seq)).toEqual(ticks.map((_, i) => i + 1));
      book.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects an empty provider list and duplicate names', () => {
    expect(() => new RateBook([])).toThrow(/at least one provider/);
    const a: RateProvider = new EcbReferenceProvider();
    expect(() => new RateBook([a, new EcbReferenceProvider()])).toThrow(/unique/);
  });
});

describe('EcbReferenceProvider', () => {
  it('serves the bundled snapshot as a dated reference that never goes stale by default', () => {
    const ecb = new EcbReferenceProvider();
    expect(ecb.maxAgeMs).toBe(Infinity);
    expect(ecb.latest()).toMatchObject({ provider: 'ecb-reference', pivot: 'EUR', asOf: new Date('2024-12-31T15:00:00.000Z') });
    expect(ecb.latest().rates.IDR).toBe('16820.00');
    expect(new EcbReferenceProvider({ maxAgeMs: DAY }).maxAgeMs).toBe(DAY);
    ecb.start();
    ecb.stop();
    expect(() => new EcbReferenceProvider({ maxAgeMs: -1 })).toThrow(RangeError);
  });
});
