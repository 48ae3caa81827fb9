import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { D } from '@paygate/money';
import { ECB_REFERENCE_SNAPSHOT } from '../ecb-snapshot.data';
import { HTTP_PROVIDER_DEFAULTS, HttpRateProvider, parseFrankfurterLatest, RateResponseError } from './http.provider';
import type { RateSnapshot } from './types';

const FIXTURES = join(__dirname, '../../../test/fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const LATEST = fixture('frankfurter-latest-2024-12-31.json');
const MALFORMED = fixture('frankfurter-latest-malformed-rate.json');
const BASE_USD = fixture('frankfurter-latest-base-usd.json');
const PRECISE = fixture('frankfurter-latest-precise.json');
/** The exact text of every number in a fixture's "rates" (whatever a formatter did to the file). */
function rawRates(text: string): Record<string, string> {
  const rates = text.slice(text.indexOf('"rates"'));
  return Object.fromEntries([...rates.matchAll(/"([A-Z]{3})"\s*:\s*([0-9][0-9.eE+-]*)/g)].map((m) => [m[1], m[2]]));
}

const NOW = Date.UTC(2025, 0, 2, 10); // the morning after the fixture's 2024-12-31 publication

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local Frankfurter stand-in replaying recorded bodies; `handler` is swapped per test. */
class FakeFrankfurter {
  handler: Handler = (_req, res) => reply(res, 200, LATEST);
  readonly requests: string[] = [];
  private server!: Server;

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      this.handler(req, res);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

describe('HttpRateProvider against a local Frankfurter', () => {
  const server = new FakeFrankfurter();
  let baseUrl: string;
  const providers: HttpRateProvider[] = [];
  const make = (options: Partial<ConstructorParameters<typeof HttpRateProvider>[0]> = {}) => {
    const provider = new HttpRateProvider({ baseUrl, now: () => NOW, ...options });
    providers.push(provider);
    return provider;
  };

  beforeAll(async () => {
    baseUrl = await server.listen();
  });
  afterEach(() => {
    providers.splice(0).forEach((p) => p.stop());
    server.handler = (_req, res) => reply(res, 200, LATEST);
    server.requests.length = 0;
    jest.restoreAllMocks();
  });
  afterAll(() => server.close());

  it('fetches /latest?base=EUR and keeps every rate as the exact text sent, dated at 15:00 UTC', async () => {
    const provider = make({ baseUrl: `${baseUrl}/v1/` });
    expect(provider.latest()).toBeUndefined();
    const snapshot = await provider.refresh();

    expect(server.requests).toEqual(['/v1/latest?base=EUR']);
    expect(snapshot).toBe(provider.latest());
    expect(snapshot!.provider).toBe('frankfurter');
    expect(snapshot!.pivot).toBe('EUR');
    expect(snapshot!.asOf.toISOString()).toBe('2024-12-31T15:00:00.000Z');
    expect(snapshot!.asOf.toISOString()).toBe(ECB_REFERENCE_SNAPSHOT.asOf);
    // Exactly the digits on the wire, and the same values as the bundled ECB snapshot.
    expect(snapshot!.rates).toEqual(rawRates(LATEST));
    expect(Object.keys(snapshot!.rates).sort()).toEqual(Object.keys(ECB_REFERENCE_SNAPSHOT.rates).sort());
    for (const [code, rate] of Object.entries(ECB_REFERENCE_SNAPSHOT.rates)) expect(new D(snapshot!.rates[code]).eq(rate)).toBe(true);
    expect(provider.errors).toBe(0);
    expect(provider.state()).toBe('closed');
  });

  it('keeps big and precise numbers digit for digit (no float round trip)', async () => {
    server.handler = (_req, res) => reply(res, 200, PRECISE);
    const snapshot = await make().refresh();
    expect(snapshot!.rates).toEqual(rawRates(PRECISE));
    expect(snapshot!.rates.USD).toBe('1.03890000000000000001'); // a float would say 1.0389
    expect(snapshot!.rates.VND).toBe('26543210987654321.123456789012345');
    expect(snapshot!.rates.BTC).toBe('0.000010234567890123456789');

    // Trailing zeros are kept as sent: "16820.00" stays "16820.00" (formatters may rewrite a file, not this string).
    server.handler = (_req, res) =>
      reply(res, 200, '{"amount":1.0,"base":"EUR","date":"2024-12-31","rates":{"IDR":16820.00,"PLN":4.2750}}');
    const again = await make().refresh();
    expect(again!.rates).toEqual({ IDR: '16820.00', PLN: '4.2750' });
  });

  it('skips invalid rate entries, counting an error for each, and uses the rest', async () => {
    server.handler = (_req, res) => reply(res, 200, MALFORMED);
    const provider = make();
    const snapshot = await provider.refresh();
    expect(snapshot!.rates).toEqual({ USD: '1.0389', IDR: rawRates(MALFORMED).IDR });
    // JPY negative, GBP a word, CHF zero, "usd" lower-case, TRY exponent notation, SEK null
    expect(provider.skippedRates).toBe(6);
    expect(provider.errors).toBe(6);
    expect(provider.lastError).toMatch(/skipped 6 invalid rate/);
    for (const word of ['JPY', 'GBP', 'CHF', '"usd"', 'TRY', 'SEK']) expect(provider.lastError).toContain(word);
    expect(provider.state()).toBe('closed'); // a partly bad body is not an outage
  });

  it('rejects a response whose base is not EUR as a failed fetch', async () => {
    server.handler = (_req, res) => reply(res, 200, BASE_USD);
    const provider = make();
    expect(await provider.refresh()).toBeUndefined();
    expect(provider.latest()).toBeUndefined();
    expect(provider.errors).toBe(1);
    expect(provider.lastError).toBe('response base must be "EUR", got "USD"');
  });

  it('opens the circuit after 3 consecutive failures (500s), then stops calling the server', async () => {
    server.handler = (_req, res) => reply(res, 500, '{"message":"boom"}');
    const provider = make();
    for (let i = 0; i < 3; i++) {
      expect(provider.state()).toBe('closed');
      expect(await provider.refresh()).toBeUndefined();
    }
    expect(provider.state()).toBe('open');
    expect(provider.errors).toBe(3);
    expect(provider.lastError).toBe(`HTTP 500 from ${baseUrl}/latest?base=EUR`);

    expect(await provider.refresh()).toBeUndefined();
    expect(server.requests).toHaveLength(3); // short-circuited: no 4th request
    expect(provider.shortCircuited).toBe(1);
    expect(provider.errors).toBe(3);
  });

  it('half-opens after halfOpenAfterMs: a successful probe closes it, a failed one reopens it', async () => {
    let clock = NOW;
    jest.spyOn(Date, 'now').mockImplementation(() => clock); // cockatiel times the open state with Date.now
    server.handler = (_req, res) => reply(res, 503, '');
    const provider = make({ halfOpenAfterMs: 10_000, now: () => clock });
    for (let i = 0; i < 3; i++) await provider.refresh();
    expect(provider.state()).toBe('open');

    clock += 9_999;
    await provider.refresh();
    expect(server.requests).toHaveLength(3); // still open

    clock += 1; // half-open: one probe goes through, fails, and the circuit reopens
    await provider.refresh();
    expect(server.requests).toHaveLength(4);
    expect(provider.state()).toBe('open');

    clock += 10_000;
    server.handler = (_req, res) => reply(res, 200, LATEST);
    const probe = provider.refresh();
    const stateDuringProbe = provider.state(); // the probe is in flight
    const snapshot = await probe;
    expect(stateDuringProbe).toBe('half-open');
    expect(snapshot!.rates.USD).toBe('1.0389');
    expect(provider.state()).toBe('closed');
    expect(server.requests).toHaveLength(5);
  });

  it('times out a request that does not answer, counting it as a failure', async () => {
    const pending: ServerResponse[] = [];
    server.handler = (_req, res) => pending.push(res); // never answers
    const provider = make({ timeoutMs: 100 });
    expect(await provider.refresh()).toBeUndefined();
    expect(provider.errors).toBe(1);
    expect(provider.lastError).toBe(`timeout after 100 ms fetching ${baseUrl}/latest?base=EUR`);
    pending.forEach((res) => res.destroy());
  });

  it('times out a body that stalls after the headers', async () => {
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"amount":1.0,"base":"EUR",');
    };
    const provider = make({ timeoutMs: 100 });
    expect(await provider.refresh()).toBeUndefined();
    expect(provider.lastError).toMatch(/^timeout after 100 ms/);
  });

  it('counts a connection failure', async () => {
    const provider = make({ baseUrl: 'http://127.0.0.1:1' });
    expect(await provider.refresh()).toBeUndefined();
    expect(provider.errors).toBe(1);
    expect(provider.lastError).toMatch(/fetch failed/);
  });

  it('shares one request between concurrent refreshes, and ignores a response older than the one held', async () => {
    const provider = make();
    const [a, b] = await Promise.all([provider.refresh(), provider.refresh()]);
    expect(a).toBe(b);
    expect(server.requests).toHaveLength(1);

    server.handler = (_req, res) => reply(res, 200, LATEST.replace('2024-12-31', '2024-12-30'));
    expect(await provider.refresh()).toBe(a);
    expect(provider.latest()).toBe(a);
  });

  it('polls at once on start() and every pollMs, publishing each accepted poll, until stop()', async () => {
    const intervals: Array<() => void> = [];
    const provider = make({
      pollMs: 60_000,
      timers: { setInterval: (fn) => intervals.push(fn), clearInterval: () => intervals.splice(0) },
    });
    const seen: RateSnapshot[] = [];
    provider.onSnapshot((s) => seen.push(s));
    provider.start();
    provider.start();
    expect(intervals).toHaveLength(1);
    await provider.refresh(); // joins the poll start() began (concurrent refreshes share one request)
    expect(server.requests).toHaveLength(1);
    intervals[0](); // the timer fires
    await provider.refresh(); // joins the timer's poll
    expect(seen).toHaveLength(2);
    expect(server.requests).toEqual(['/latest?base=EUR', '/latest?base=EUR']);
    provider.stop();
    expect(intervals).toHaveLength(0);
    expect(provider.running).toBe(false);
  });

  it('has the documented defaults', () => {
    const provider = make();
    expect(provider.maxAgeMs).toBe(4 * 24 * 3600 * 1000);
    expect(provider.pollMs).toBe(60_000);
    expect(HTTP_PROVIDER_DEFAULTS.halfOpenAfterMs).toBe(30_000);
    expect(HTTP_PROVIDER_DEFAULTS.consecutiveFailures).toBe(3);
    expect(() => make({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(() => make({ baseUrl: 'ftp://x' })).toThrow(/http/);
  });
});

describe('parseFrankfurterLatest', () => {
  const parse = (body: string) => parseFrankfurterLatest(body, 'p', { now: NOW });
  const body = (fields: Record<string, string>) =>
    `{${Object.entries({ amount: '1.0', base: '"EUR"', date: '"2024-12-31"', rates: '{"USD":1.0389}', ...fields })
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `"${k}":${v}`)
      .join(',')}}`;

  it('accepts the v1 shape, with or without amount, and a rate sent as a JSON string', () => {
    expect(parse(body({})).snapshot.rates).toEqual({ USD: '1.0389' });
    expect(parse(body({ amount: '' })).snapshot.rates).toEqual({ USD: '1.0389' });
    expect(parse(body({ rates: '{"USD":"1.0389","EUR":1}' })).snapshot.rates).toEqual({ USD: '1.0389' });
  });

  it('uses a unix timestamp when the server gives one', () => {
    expect(parse(body({ timestamp: '1735743600' })).snapshot.asOf.toISOString()).toBe('2025-01-01T15:00:00.000Z');
  });

  it.each([
    ['not JSON', '{"base":"EUR",', /not valid JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['a duplicate rate', body({ rates: '{"USD":1.0389,"USD":1.5}' }), /not valid JSON/],
    ['amount 100', body({ amount: '100' }), /amount must be 1/],
    ['no date', body({ date: '' }), /date must be a calendar date/],
    ['an impossible date', body({ date: '"2024-02-30"' }), /calendar date/],
    ['a date next week', body({ date: '"2025-01-09"' }), /dated in the future/],
    ['a fractional timestamp', body({ timestamp: '1735743600.5' }), /timestamp/],
    ['no rates', body({ rates: '' }), /no "rates" object/],
    ['no valid rate', body({ rates: '{"USD":-1}' }), /no valid rate \(USD: rate -1 is not a positive plain decimal\)/],
  ])('rejects %s', (_label, text, message) => {
    expect(() => parse(text)).toThrow(RateResponseError);
    expect(() => parse(text)).toThrow(message);
  });
});
