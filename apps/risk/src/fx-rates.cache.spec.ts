import { DomainError, FX_TICKS_SUBJECT, ROUTES, type RateTick } from '@paygate/contracts';
import { InProcessEventBus, RpcClient } from '@paygate/transport';
import { Registry } from 'prom-client';
import { FxRateCache, parseSnapshot } from './fx-rates.cache';

const tick = (over: Partial<RateTick> = {}): RateTick => ({
  seq: 1,
  source: 'live-feed',
  pivot: 'EUR',
  as_of: '2026-11-25T12:00:00.000Z',
  rates: { USD: '1.0389', IDR: '16820.00', JPY: '163.06' },
  ...over,
});

/** An RPC client whose fx answers are scripted: each call takes the next answer (an Error is thrown). */
function fakeRpc(answers: Array<unknown>): { rpc: RpcClient; calls: jest.Mock; called: (n: number) => Promise<void> } {
  const waiters: Array<{ n: number; done: () => void }> = [];
  const calls = jest.fn(async (route: { pattern: string }, payload: unknown) => {
    expect(route.pattern).toBe(ROUTES.fxRates.pattern);
    expect(payload).toEqual({ base: 'EUR' });
    const answer = answers.shift();
    for (const w of waiters.filter((x) => x.n === calls.mock.calls.length)) w.done();
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return {
    rpc: { call: calls } as unknown as RpcClient,
    calls,
    called: (n) => new Promise<void>((done) => (calls.mock.calls.length >= n ? done() : waiters.push({ n, done }))),
  };
}

const RATES_RESPONSE = {
  base: 'EUR',
  rates: { USD: '1.0389', IDR: '16820.00' },
  as_of: '2024-12-31T15:00:00.000Z',
  source: 'ecb-reference',
  stale: false,
};

describe('FxRateCache', () => {
  const caches: FxRateCache[] = [];
  afterEach(() => {
    for (const c of caches.splice(0)) c.onApplicationShutdown();
  });
  const make = (rpc: RpcClient, bus = new InProcessEventBus(), registry?: Registry) => {
    const c = new FxRateCache(bus, rpc, registry);
    caches.push(c);
    return { c, bus };
  };

  it('every amount is unpriced until a rate is known; the reference currency itself always is', () => {
    const { c } = make(fakeRpc([]).rpc);
    expect(c.toReference(100n, 'IDR', 'USD')).toBeUndefined();
    expect(c.toReference(100n, 'USD', 'USD')).toBe(100n);
    expect(c.status()).toEqual({ seeded_by: null, source: null, as_of: null, currencies: 0, ticks: 0 });
  });

  it('seeds with one GET /rates?base=EUR over RPC at start, retried until fx answers', async () => {
    const { rpc, calls, called } = fakeRpc([new DomainError('SERVICE_UNAVAILABLE', 'fx service is unavailable'), RATES_RESPONSE]);
    const { c } = make(rpc);
    c.onApplicationBootstrap();
    await called(2);
    await new Promise<void>((done) => setImmediate(done)); // let the answer be installed
    expect(calls).toHaveBeenCalledTimes(2);
    expect(c.toReference(150000000n, 'IDR', 'USD')).toBe(9265n);
    expect(c.status()).toMatchObject({ seeded_by: 'rpc', source: 'ecb-reference', as_of: '2024-12-31T15:00:00.000Z', currencies: 2 });
  });

  it('caches the ticks published on the event bus: no call per score', async () => {
    const { rpc, calls } = fakeRpc([new DomainError('SERVICE_UNAVAILABLE', 'down')]);
    const { c, bus } = make(rpc);
    c.onApplicationBootstrap();
    const delivered = new Promise<void>((done) => bus.subscribe(FX_TICKS_SUBJECT, () => done())); // after the cache's own handler
    bus.publish(FX_TICKS_SUBJECT, tick({ rates: { USD: '1.0389', JPY: '163.06' } }));
    await delivered;
    expect(c.toReference(100000n, 'JPY', 'USD')).toBe(63713n);
    expect(c.status()).toMatchObject({ seeded_by: 'tick', source: 'live-feed', ticks: 1, currencies: 2 });
    expect(calls).toHaveBeenCalledTimes(1); // the seed attempt only; the retry stops once a tick arrived
  });

  it('keeps the newest snapshot by as_of, and ignores malformed ticks and rates', () => {
    const { c } = make(fakeRpc([]).rpc);
    expect(c.onTick(tick({ as_of: '2026-11-25T12:00:01.000Z', rates: { USD: '1.0000' } }))).toBe(true);
    expect(c.onTick(tick({ as_of: '2026-11-25T12:00:00.000Z', rates: { USD: '2.0000' } }))).toBe(false); // older: a replica behind
    expect(c.converter('USD').rate('EUR')).toBe('1');
    expect(c.onTick({ nonsense: true })).toBe(false);
    expect(c.onTick(tick({ as_of: 'yesterday' }))).toBe(false);
    expect(c.onTick(tick({ as_of: '2026-11-25T12:00:02.000Z', rates: { USD: '1e3', IDR: '-5', JPY: '0', usd: '1', GBP: '0.83' } }))).toBe(
      true,
    );
    expect(Object.keys(c.current()!.rates)).toEqual(['GBP']);
  });

  it('exports the age of its rates', async () => {
    const registry = new Registry();
    const { c } = make(fakeRpc([]).rpc, new InProcessEventBus(), registry);
    c.onTick(tick({ as_of: new Date(Date.now() - 5000).toISOString() }));
    expect(await registry.metrics()).toMatch(/risk_fx_rates_age_seconds 5(\.\d+)?\n/);
  });

  it('parseSnapshot reads a tick or a /rates answer', () => {
    expect(parseSnapshot({ pivot: 'EUR', rates: { USD: '1.1' }, as_of: '2026-01-01T00:00:00Z', source: 's', seq: 3 })).toEqual({
      pivot: 'EUR',
      rates: { USD: '1.1' },
      asOf: new Date('2026-01-01T00:00:00Z'),
      source: 's',
      seq: 3,
    });
    expect(parseSnapshot(null)).toBeUndefined();
    expect(parseSnapshot({ pivot: 'eur', rates: {}, as_of: '2026-01-01T00:00:00Z' })).toBeUndefined();
  });
});
