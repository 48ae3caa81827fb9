import { Controller, INestApplication } from '@nestjs/common';
import { MessagePattern, NatsRecordBuilder } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom } from 'rxjs';
import { DomainError, Envelope, envelopeToHeaders } from '@paygate/contracts';
import { ErrorsFilter } from '@paygate/http';
import { DirectHandler } from './direct-dispatch';
import { InProcessBus, InProcessClient, InProcessServer } from './in-process';
import { RequestContext } from './request-context';
import { RpcClient } from './rpc-client';
import { RpcContextInterceptor } from './rpc-enhancers';

/** Patterns whose handler actually ran, in order. */
const handled: string[] = [];

/**
 * What a database batch sees (`KeyedBatcher` starts a batch once the current callback's work is
 * done, on `process.nextTick`): the handlers that ran before the window closed share its number.
 */
const batchWindow = { n: 0, open: false };

@Controller()
class DemoController {
  @MessagePattern('demo.echo')
  echo(payload: unknown) {
    handled.push('demo.echo');
    return { payload, requestId: RequestContext.current()?.requestId };
  }

  @MessagePattern('demo.fail')
  fail(): never {
    handled.push('demo.fail');
    throw new DomainError('ACCOUNT_NOT_FOUND', 'x');
  }

  @MessagePattern('demo.window')
  window() {
    if (!batchWindow.open) {
      batchWindow.open = true;
      process.nextTick(() => {
        batchWindow.open = false;
        batchWindow.n++;
      });
    }
    return batchWindow.n;
  }

  @MessagePattern('demo.hang')
  hang(): Promise<never> {
    handled.push('demo.hang');
    return new Promise(() => {});
  }
}

type Dispatch = 'through Nest' | 'directly';

async function startApp(bus: InProcessBus, dispatch: Dispatch = 'through Nest'): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ controllers: [DemoController] }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  // Global enhancers first: connectMicroservice() builds the handlers at once (as bootstrap.ts does),
  // so filters/interceptors registered after it would not apply to the RPC side.
  app.useGlobalFilters(new ErrorsFilter());
  const context = new RpcContextInterceptor();
  app.useGlobalInterceptors(context);
  const server = new InProcessServer(bus);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  if (dispatch === 'directly') {
    // As the monolith does (bootstrap.ts): the same steps around the handlers, without Nest's pipeline.
    const demo = app.get(DemoController);
    const direct = new Map<string, DirectHandler>([
      ['demo.echo', async (p) => demo.echo(p)],
      ['demo.fail', async () => demo.fail()],
      ['demo.hang', async () => demo.hang()],
      ['demo.window', async () => demo.window()],
      ['demo.unknown-to-nest', async () => 'never'],
    ]);
    server.serveDirectly(direct, [context]);
  }
  await app.startAllMicroservices();
  await app.init();
  return app;
}

const envelope = (ttlMs = 10_000): Envelope => ({ requestId: 'r1', deadline: Date.now() + ttlMs, merchantId: 'm1' });

/** Resolves to the DomainError a call rejected with (fails the test if it resolved). */
async function callError(call: Promise<unknown>): Promise<DomainError> {
  const err = await call.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describe.each<Dispatch>(['through Nest', 'directly'])('InProcessServer / InProcessClient / RpcClient, handlers called %s', (dispatch) => {
  const bus = new InProcessBus();
  const client = new RpcClient(new InProcessClient(bus), { maxCallMs: 2000, defaultBudgetMs: 2000 });
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp(bus, dispatch);
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    handled.length = 0;
  });

  it('round-trips the payload, and the handler sees the envelope through RequestContext', async () => {
    const payload = { amount: '12.34', nested: { list: [1, 'two', null] } };
    await expect(client.send('demo.echo', payload, envelope())).resolves.toEqual({ payload, requestId: 'r1' });
    expect(handled).toEqual(['demo.echo']);
  });

  it('delivers the requests sent in one turn in one callback, so that their handlers land in one database batch', async () => {
    const windows = await Promise.all([1, 2, 3].map(() => client.send<number>('demo.window', {}, envelope())));
    expect(new Set(windows).size).toBe(1);
    const later = await client.send<number>('demo.window', {}, envelope());
    expect(later).toBeGreaterThan(windows[0]);
  });

  it('falls back to a background envelope outside any request', async () => {
    const res = await client.send<{ requestId: string }>('demo.echo', {});
    expect(res.requestId).toMatch(/^bg_/);
  });

  it('carries a domain error back as a DomainError with the same code', async () => {
    const err = await callError(client.send('demo.fail', {}, envelope()));
    expect(err).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', message: 'x' });
  });

  it('rejects an unknown pattern with SERVICE_UNAVAILABLE (also one only given to serveDirectly)', async () => {
    const err = await callError(client.send('demo.nobody', {}, envelope()));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect((await callError(client.send('demo.unknown-to-nest', {}, envelope()))).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('rejects an already-expired deadline with DEADLINE_EXCEEDED without calling the handler', async () => {
    const err = await callError(client.send('demo.echo', {}, envelope(-1)));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(handled).toEqual([]);
  });

  it('server side: refuses a message whose deadline passed, and one without an envelope', async () => {
    const raw = new InProcessClient(bus);
    const send = (headers: Record<string, string>) => {
      const hdrs = natsHeaders();
      for (const [k, v] of Object.entries(headers)) hdrs.set(k, v);
      return firstValueFrom(raw.send('demo.echo', new NatsRecordBuilder({}).setHeaders(hdrs).build()));
    };
    await expect(send(envelopeToHeaders(envelope(-1)))).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect(send({})).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(handled).toEqual([]);
  });

  it('rejects a payload that cannot cross the wire as JSON (bigint)', async () => {
    // Today this surfaces as SERVICE_UNAVAILABLE (see report): only assert that it is refused.
    await callError(client.send('demo.echo', { amount: 1n }, envelope()));
    expect(handled).toEqual([]);
  });

  it('stops waiting for a handler that never answers once the deadline passes', async () => {
    const err = await callError(client.send('demo.hang', {}, envelope(100)));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(handled).toEqual(['demo.hang']);
  });
});

describe('InProcessServer after app.close()', () => {
  it('unregisters its patterns: calls fail with SERVICE_UNAVAILABLE', async () => {
    const bus = new InProcessBus();
    const client = new RpcClient(new InProcessClient(bus), { maxCallMs: 2000, defaultBudgetMs: 2000 });
    const app = await startApp(bus);
    await expect(client.send('demo.echo', 1, envelope())).resolves.toEqual({ payload: 1, requestId: 'r1' });

    await app.close();
    const err = await callError(client.send('demo.echo', 1, envelope()));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
  });
});
