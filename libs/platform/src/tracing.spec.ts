import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { DomainError } from '@paygate/contracts';
import { RequestContext } from '@paygate/transport';
import type { DestinationStream } from 'pino';
import { Observable, firstValueFrom, lastValueFrom, of, throwError } from 'rxjs';
import { LogScopes, createLogger } from './logging';
import { RpcObservabilityInterceptor, tracingEnabled, tracingRequested } from './tracing';

describe('tracingRequested (off by default)', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, false],
  ])('%j → %s', (env, on) => {
    expect(tracingRequested(env as NodeJS.ProcessEnv)).toBe(on);
  });

  it('is not started in this process', () => {
    expect(tracingEnabled()).toBe(false);
  });
});

function memoryLogger() {
  const chunks: string[] = [];
  const stream: DestinationStream = { write: (s: string) => void chunks.push(s) };
  return {
    logger: createLogger({ level: 'log', destination: stream }),
    lines: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>),
  };
}

function rpcContext(headers: Record<string, string>, subject = 'payments.create'): ExecutionContext {
  const rpc = { getHeaders: () => ({ get: (k: string) => headers[k] ?? '' }), getSubject: () => subject };
  return {
    getType: () => 'rpc',
    switchToRpc: () => ({ getContext: () => rpc }),
    getHandler: () => function create() {},
  } as unknown as ExecutionContext;
}

describe('RpcObservabilityInterceptor (tracing off)', () => {
  const headers = { 'x-request-id': 'req_42', 'x-deadline': String(Date.now() + 5000), 'x-merchant-id': 'm_1' };

  it("runs the handler in the service's log scope and writes one line per message", async () => {
    const { logger, lines } = memoryLogger();
    const interceptor = new RpcObservabilityInterceptor('payments', logger);
    const seen: Array<string | undefined> = [];
    const handler: CallHandler = {
      handle: () =>
        new Observable((s) => {
          seen.push(LogScopes.service(), LogScopes.current()?.requestId);
          logger.info('inside');
          s.next('ok');
          s.complete();
        }),
    };
    await expect(lastValueFrom(interceptor.intercept(rpcContext(headers), handler))).resolves.toBe('ok');
    expect(seen).toEqual(['payments', 'req_42']);
    const [inside, access] = lines();
    expect(inside).toMatchObject({ service: 'payments', request_id: 'req_42', msg: 'inside' });
    expect(access).toMatchObject({
      level: 'info',
      service: 'payments',
      request_id: 'req_42',
      pattern: 'payments.create',
      msg: 'rpc payments.create OK',
    });
    expect(typeof access.duration_ms).toBe('number');
    expect(access.trace_id).toBeUndefined();
  });

  it('logs a domain error at info with its code, an unknown failure at error', async () => {
    const { logger, lines } = memoryLogger();
    const interceptor = new RpcObservabilityInterceptor('risk', logger);
    const fail = (e: unknown): CallHandler => ({ handle: () => throwError(() => e) });
    await expect(
      firstValueFrom(interceptor.intercept(rpcContext(headers, 'risk.score'), fail(new DomainError('RATE_STALE', 'x')))),
    ).rejects.toThrow();
    await expect(
      firstValueFrom(interceptor.intercept(rpcContext(headers, 'risk.score'), fail(new RpcException('boom')))),
    ).rejects.toThrow();
    expect(lines().map((l) => [l.level, l.code])).toEqual([
      ['info', 'RATE_STALE'],
      ['error', 'INTERNAL_ERROR'],
    ]);
  });

  it('leaves HTTP alone', async () => {
    const interceptor = new RpcObservabilityInterceptor('gateway');
    const http = { getType: () => 'http' } as unknown as ExecutionContext;
    await expect(lastValueFrom(interceptor.intercept(http, { handle: () => of(1) }))).resolves.toBe(1);
    expect(RequestContext.current()).toBeUndefined();
  });
});
