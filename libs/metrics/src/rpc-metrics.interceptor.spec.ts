import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { lastValueFrom, of, throwError } from 'rxjs';
import { httpMetricsMiddleware } from './http-metrics';
import { RpcMetricsInterceptor } from './rpc-metrics.interceptor';
import { SeedMetrics } from './seed-metrics';

function rpcContext(pattern: string, requestId: string): ExecutionContext {
  const ctx = { getPattern: () => pattern, getHeaders: () => ({ get: (k: string) => (k === 'x-request-id' ? requestId : undefined) }) };
  return { getType: () => 'rpc', switchToRpc: () => ({ getContext: () => ctx }) } as unknown as ExecutionContext;
}

const handler = (fail = false): CallHandler => ({
  handle: () => (fail ? throwError(() => ({ code: 'ACCOUNT_NOT_FOUND' })) : of({ ok: true })),
});

async function counts(seed: SeedMetrics) {
  return (await seed.requests.get()).values.map((v) => [v.labels.method, v.labels.route, v.labels.code, v.value]);
}

describe('RpcMetricsInterceptor', () => {
  it('counts each message once under its pattern, with the domain code of a failure', async () => {
    const seed = new SeedMetrics('wallet', new Registry());
    const rpc = new RpcMetricsInterceptor(seed);
    await lastValueFrom(rpc.intercept(rpcContext('wallet.balance.get', 'req_a'), handler()));
    await expect(lastValueFrom(rpc.intercept(rpcContext('wallet.balance.get', 'req_b'), handler(true)))).rejects.toEqual({
      code: 'ACCOUNT_NOT_FOUND',
    });
    expect(await counts(seed)).toEqual([
      ['RPC', 'wallet.balance.get', 'OK', 1],
      ['RPC', 'wallet.balance.get', 'ACCOUNT_NOT_FOUND', 1],
    ]);
  });

  it('a service’s own HTTP route forwarded to its handler is one request (counted as HTTP), a message from elsewhere is counted', async () => {
    const seed = new SeedMetrics('payments', new Registry());
    const rpc = new RpcMetricsInterceptor(seed);
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse & EventEmitter;
    const req = {
      url: '/payments/P1',
      method: 'GET',
      requestId: 'req_direct',
      route: { path: '/payments/:id' },
    } as unknown as IncomingMessage;
    const next = (): void => undefined;
    httpMetricsMiddleware(seed)(req, res, next);
    // While the HTTP request is served, its forward arrives with the same request id: not counted again.
    await lastValueFrom(rpc.intercept(rpcContext('payments.get', 'req_direct'), handler()));
    // A message from the gateway (another request id) is counted.
    await lastValueFrom(rpc.intercept(rpcContext('payments.get', 'req_from_gateway'), handler()));
    res.emit('finish');
    res.emit('close');
    // Once the HTTP request is done, the id is forgotten.
    await lastValueFrom(rpc.intercept(rpcContext('payments.get', 'req_direct'), handler()));
    expect(await counts(seed)).toEqual([
      ['RPC', 'payments.get', 'OK', 2],
      ['GET', '/payments/:id', '200', 1],
    ]);
  });
});
