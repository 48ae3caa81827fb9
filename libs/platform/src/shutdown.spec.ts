import type { CallHandler, ExecutionContext, INestApplication } from '@nestjs/common';
import type { IncomingMessage as Request, ServerResponse as Response } from 'node:http';
import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import { InFlight, RpcInFlightInterceptor, drainAndClose } from './shutdown';

/** Just enough of a Node response: headers, `headersSent`, `end`, the `close` event. */
function fakeResponse(headersSent = false, contentType?: string): Response & { ended: boolean } {
  const res = new EventEmitter() as unknown as Response & { ended: boolean; headers: Record<string, string> };
  res.headers = contentType ? { 'content-type': contentType } : {};
  Object.assign(res, {
    headersSent,
    ended: false,
    setHeader: (k: string, v: string) => (res.headers[k.toLowerCase()] = v),
    getHeader: (k: string) => res.headers[k.toLowerCase()],
    end: () => {
      res.ended = true;
      res.emit('close');
    },
  });
  return res;
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

const httpContext = { getType: () => 'http' } as unknown as ExecutionContext;

describe('InFlight', () => {
  it('counts HTTP requests until their response closes; whenIdle waits for the last one', async () => {
    const t = new InFlight();
    const a = fakeResponse();
    const b = fakeResponse();
    const next = jest.fn();
    t.httpMiddleware({} as Request, a, next);
    t.httpMiddleware({} as Request, b, next);
    expect(next).toHaveBeenCalledTimes(2);
    expect(t.count('http')).toBe(2);
    const idle = t.whenIdle('http');
    a.emit('close');
    expect(await settled(idle)).toBe(false);
    b.emit('close');
    expect(await settled(idle)).toBe(true);
    expect(await settled(t.whenIdle('http'))).toBe(true);
  });

  it('draining: pending responses close their connection, open event streams are ended', () => {
    const t = new InFlight();
    const pending = fakeResponse(false);
    const streaming = fakeResponse(true, 'text/event-stream');
    const sending = fakeResponse(true, 'application/json');
    for (const r of [pending, streaming, sending]) t.httpMiddleware({} as Request, r, () => undefined);
    t.beginDrain();
    expect(pending.getHeader('connection')).toBe('close');
    expect(streaming.ended).toBe(true);
    expect(sending.ended).toBe(false);
    expect(t.count('http')).toBe(2);
    const late = fakeResponse(false);
    t.httpMiddleware({} as Request, late, () => undefined);
    expect(late.getHeader('connection')).toBe('close');
  });

  it('the step counts a handler until it settles; as an interceptor it counts messages only', async () => {
    const t = new InFlight();
    const step = new RpcInFlightInterceptor(t);
    const call = { pattern: 'demo.echo', headers: { get: () => '' } };
    let answer!: (v: unknown) => void;
    let fail!: (e: unknown) => void;
    const ok = step.around(call, () => new Promise((resolve) => (answer = resolve)));
    const failing = step.around(call, () => new Promise((_, reject) => (fail = reject))).catch(() => undefined);
    step.intercept(httpContext, { handle: () => new Subject() } as CallHandler).subscribe();
    expect(t.count('rpc')).toBe(2);
    const idle = t.whenIdle('rpc');
    answer(1);
    await ok;
    expect(t.count('rpc')).toBe(1);
    fail(new Error('boom'));
    await failing;
    expect(t.count('rpc')).toBe(0);
    expect(await settled(idle)).toBe(true);
  });
});

describe('drainAndClose', () => {
  it('stops listening, waits for HTTP, then stops RPC and waits for handlers, and only then closes', async () => {
    const t = new InFlight();
    const steps: string[] = [];
    const server = {
      listening: true,
      close: () => steps.push('http: stop listening'),
      closeIdleConnections: () => steps.push('http: idle connections closed'),
    };
    const app = { getHttpServer: () => server } as unknown as INestApplication;
    t.registerServer({ stopAccepting: async () => void steps.push('rpc: stop accepting') });
    const res = fakeResponse();
    t.httpMiddleware({} as Request, res, () => undefined);
    t.rpcStarted();
    const done = drainAndClose([app], async () => void steps.push('close'), t);
    await new Promise((r) => setImmediate(r));
    expect(steps).toEqual(['http: stop listening', 'http: idle connections closed']);
    res.emit('close');
    await new Promise((r) => setImmediate(r));
    expect(steps).toEqual(['http: stop listening', 'http: idle connections closed', 'rpc: stop accepting']);
    t.rpcFinished();
    await done;
    expect(steps).toEqual(['http: stop listening', 'http: idle connections closed', 'rpc: stop accepting', 'close']);
  });
});
