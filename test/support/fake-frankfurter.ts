import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the fake answers: fresh rates, 500s, or rates stamped long ago. */
export type FakeMode = 'fresh' | 'fail' | 'old';

/**
 * A Frankfurter-compatible rates API on loopback (`GET /latest?base=EUR`), for the HTTP
 * provider in end-to-end tests: rates are JSON numbers written exactly as below (so exactness
 * is checked end to end) and `timestamp` is now (fresh) or an hour ago (old).
 */
export const FAKE_RATES: Record<string, string> = {
  USD: '1.0389',
  JPY: '163.06',
  GBP: '0.82918',
  IDR: '16820.00',
  SGD: '1.4164',
  KWD: '0.32048',
  BHD: '0.39164',
  CLF: '0.036912',
};

export async function startFakeFrankfurter(): Promise<{
  url: string;
  setMode(m: FakeMode): void;
  requests(): number;
  close(): Promise<void>;
}> {
  let mode: FakeMode = 'fresh';
  let count = 0;
  const server: Server = createServer((req, res) => {
    count += 1;
    if (!req.url?.startsWith('/latest')) {
      res.statusCode = 404;
      return res.end('{"message":"not found"}');
    }
    if (mode === 'fail') {
      res.statusCode = 500;
      return res.end('{"message":"upstream down"}');
    }
    const seconds = Math.floor(Date.now() / 1000) - (mode === 'old' ? 3600 : 0);
    const rates = Object.entries(FAKE_RATES)
      .map(([c, r]) => `"${c}":${r}`)
      .join(',');
    res.setHeader('content-type', 'application/json');
    res.end(
      `{"amount":1.0,"base":"EUR","date":"${new Date(seconds * 1000).toISOString().slice(0, 10)}","timestamp":${seconds},"rates":{${rates}}}`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setMode: (m) => {
      mode = m;
    },
    requests: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
