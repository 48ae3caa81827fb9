import { RequestContext } from '@paygate/transport';
import type { DestinationStream } from 'pino';
import { LogScopes, REDACTED, censorString, createLogger, prettyLine, redactValue } from './logging';

function memory(): { stream: DestinationStream; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  const chunks: string[] = [];
  return {
    stream: { write: (s: string) => void chunks.push(s) },
    lines: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>),
    raw: () => chunks.join(''),
  };
}

const API_KEY = 'pk_demokey1_paygate_local_demo_only_0123456789';
const WHSEC = 'whsec_3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';

describe('censorString', () => {
  it.each([
    [`key ${API_KEY} used`, `key pk_${REDACTED} used`],
    [`secret=${WHSEC}`, `secret=whsec_${REDACTED}`],
    ['sk_live_0123456789abcdef', `sk_${REDACTED}`],
    ['Authorization: Bearer abc.def-ghi', `Authorization: Bearer ${REDACTED}`],
    ['postgres://app:s3cr3t@db:5432/paygate', `postgres://app:${REDACTED}@db:5432/paygate`],
    ['nats://natsuser:hunter2@nats:4222', `nats://natsuser:${REDACTED}@nats:4222`],
    ['nats://t0k3n@nats:4222', `nats://${REDACTED}@nats:4222`],
    ['DATABASE_URL=postgresql://u:p%40ss@h/db?sslmode=require', `DATABASE_URL=postgresql://u:${REDACTED}@h/db?sslmode=require`],
  ])('%s', (input, expected) => {
    expect(censorString(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const s = 'payment pay_123 of 10.00 USD for ACC_SRC_1 by merchant m_1 (alice@example.com), http://fx:8082/rate';
    expect(censorString(s)).toBe(s);
  });
});

describe('redactValue', () => {
  it('masks secret keys at any depth and censors strings', () => {
    const out = redactValue({
      headers: { Authorization: `Bearer ${API_KEY}`, 'X-API-Key': API_KEY, cookie: 'sid=1', accept: 'json' },
      endpoint: { url: 'https://merchant.example/hook', signingSecret: WHSEC, secret: WHSEC },
      config: { databaseUrl: 'postgres://u:pw@h/db', natsPass: 'pw', note: `see ${WHSEC}` },
      list: [`x ${API_KEY}`],
    });
    expect(out).toEqual({
      headers: { Authorization: REDACTED, 'X-API-Key': REDACTED, cookie: REDACTED, accept: 'json' },
      endpoint: { url: 'https://merchant.example/hook', signingSecret: REDACTED, secret: REDACTED },
      config: { databaseUrl: `postgres://u:${REDACTED}@h/db`, natsPass: REDACTED, note: `see whsec_${REDACTED}` },
      list: [`x pk_${REDACTED}`],
    });
  });

  it('censors error messages and stacks', () => {
    const e = new Error('connect failed: postgres://app:topsecret@db/paygate');
    const out = redactValue(e) as { message: string; stack: string; type: string };
    expect(out.type).toBe('Error');
    expect(out.message).not.toContain('topsecret');
    expect(out.stack).not.toContain('topsecret');
  });
});

describe('createLogger', () => {
  it('writes JSON with level, service and the request id of the current call', () => {
    const mem = memory();
    const log = createLogger({ level: 'log', destination: mem.stream });
    LogScopes.run({ service: 'payments' }, () =>
      RequestContext.run({ requestId: 'req_abc', deadline: Date.now() + 1000, merchantId: 'm_1' }, () => log.info('authorized')),
    );
    log.info('outside');
    const [inside, outside] = mem.lines();
    expect(inside).toMatchObject({ level: 'info', service: 'payments', request_id: 'req_abc', msg: 'authorized' });
    expect(typeof inside.time).toBe('string');
    expect(outside.request_id).toBeUndefined();
  });

  it('respects the level (LOG_LEVEL=warn drops info, verbose is trace)', () => {
    const mem = memory();
    const log = createLogger({ level: 'warn', destination: mem.stream });
    log.info('dropped');
    log.warn('kept');
    expect(mem.lines().map((l) => l.msg)).toEqual(['kept']);
    expect(createLogger({ level: 'verbose', destination: mem.stream }).level).toBe('trace');
  });

  it('never writes keys, webhook secrets or URL passwords', () => {
    const mem = memory();
    const log = createLogger({ level: 'log', destination: mem.stream });
    log.info({ req: { headers: { authorization: `Bearer ${API_KEY}`, 'x-api-key': API_KEY } } }, 'incoming');
    log.info(`created endpoint with ${WHSEC}`);
    log.warn({ url: 'nats://user:natspass@127.0.0.1:4222' }, 'reconnecting to %s', 'postgres://app:dbpass@db/x');
    log.error({ err: new Error(`bad key ${API_KEY}`) }, 'failed');
    log.info({ secret: 'plain-looking-secret', password: 'hunter2', nested: { apiKey: 'abc', token: 'tkn' } }, 'config');
    const raw = mem.raw();
    for (const leaked of [API_KEY, WHSEC, 'natspass', 'dbpass', 'plain-looking-secret', 'hunter2', '"abc"', 'tkn']) {
      expect(raw).not.toContain(leaked);
    }
    expect(raw).toContain(REDACTED);
  });
});

describe('prettyLine', () => {
  it('formats a JSON line for humans and passes other text through', () => {
    const line = JSON.stringify({
      time: '2026-11-25T18:00:00.123Z',
      level: 'info',
      service: 'fx',
      request_id: 'req_1',
      msg: 'hi',
      pair: 'USD/EUR',
    });
    expect(prettyLine(line)).toBe('18:00:00.123 INFO  [fx] (req_1) hi {"pair":"USD/EUR"}\n');
    expect(prettyLine('not json')).toBe('not json');
  });
});
