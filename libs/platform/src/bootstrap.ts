import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsOptions } from '@nestjs/microservices';
import {
  DEFAULT_HARDENING,
  ErrorsFilter,
  corsAllowList,
  httpAdapter,
  installEdge,
  mountDocs,
  requestHeaderRules,
  requestIdMiddleware,
  securityHeaders,
} from '@paygate/http';
import { RpcMetricsInterceptor, SeedMetrics, httpMetricsMiddleware } from '@paygate/metrics';
import { InProcessServer, RpcContextInterceptor, createValidationPipe, serverStrategy } from '@paygate/transport';
import { directHandlers } from './direct-handlers';
import { LogScopes, accessLogMiddleware, nestLogger, rootLogger } from './logging';
import { RpcInterceptorChain } from './rpc-chain';
import { RuntimeConfig } from './runtime-config';
import { GracefulNatsServer, RpcInFlightInterceptor, inFlight } from './shutdown';
import { ServiceDefinition, ServiceRootModule } from './service-root.module';
import { RpcObservabilityInterceptor, httpSpanMiddleware, initTracing, requestScope } from './tracing';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function logLevels(level: RuntimeConfig['logLevel']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

export interface StartOptions {
  /** Name of the PGlite directory under DATA_DIR (the monolith's services share `monolith`). */
  pgliteName?: string;
  /** Serve RPC handlers (every backend service; not the gateway, which only forwards). */
  rpcServer: boolean;
  docs?: { title: string; description: string; withApiKeys: boolean };
}

/**
 * Creates, wires and starts one service's app: HTTP on its port (Fastify: request id, seed
 * metrics, lossless JSON bodies, the one error envelope) and its message handlers on the
 * configured transport with the same pipes, interceptors and filters (`inheritAppConfig`).
 */
export async function startService(def: ServiceDefinition, rt: RuntimeConfig, opts: StartOptions): Promise<INestApplication> {
  initTracing(def.service); // no-op unless OTEL_* asks for it, or when main.ts already named the process
  const logger = rootLogger({ level: rt.logLevel, format: rt.logFormat });
  // In the service's log scope: what its modules log at start and in the jobs they start names it (monolith).
  const scope = { service: def.service };
  const hardening = rt.http ?? DEFAULT_HARDENING;
  const app = await LogScopes.run(scope, () =>
    NestFactory.create<NestFastifyApplication>(ServiceRootModule.forRoot(def, rt, opts.pgliteName), httpAdapter(hardening.bodyLimitBytes), {
      bodyParser: false,
      abortOnError: false,
      logger: nestLogger(logger),
    }),
  );
  installEdge(app.getHttpAdapter().getInstance(), {
    hooks: [
      inFlight.httpMiddleware, // graceful shutdown waits for these (shutdown.ts)
      requestIdMiddleware,
      httpSpanMiddleware(def.service),
      accessLogMiddleware(def.service, logger),
      securityHeaders(hardening),
      corsAllowList(hardening.corsOrigins),
      httpMetricsMiddleware(app.get(SeedMetrics)),
      requestHeaderRules,
    ],
    bodyLimit: hardening.bodyLimitBytes,
    scope: requestScope(def.service),
  });

  app.useGlobalFilters(new ErrorsFilter());
  const validation = createValidationPipe();
  app.useGlobalPipes(validation);
  const rpcSteps = new RpcInterceptorChain([
    new RpcObservabilityInterceptor(def.service, logger),
    new RpcInFlightInterceptor(),
    new RpcContextInterceptor(),
    app.get(RpcMetricsInterceptor),
  ]);
  // Only where messages are served: on HTTP the steps pass through, yet Nest would still wrap
  // every request in its interceptor pipeline (deferred observables, an async-context bind).
  if (opts.rpcServer) app.useGlobalInterceptors(rpcSteps);

  if (opts.rpcServer) {
    const strategy = serverStrategy(def.service, rt.transport);
    // NATS: the same server, with a graceful stop (subscriptions drained, handlers in flight finished).
    const graceful =
      rt.transport.mode === 'nats' ? { strategy: new GracefulNatsServer((strategy as NatsOptions).options ?? {}) } : strategy;
    app.connectMicroservice(graceful, { inheritAppConfig: true });
    // Request-reply messages: the same validation and steps, called directly (DirectDispatch).
    const server = (graceful as { strategy?: unknown }).strategy;
    if (server instanceof InProcessServer || server instanceof GracefulNatsServer) {
      server.serveDirectly(directHandlers(app, validation), rpcSteps.steps);
    }
    await LogScopes.run(scope, () => app.startAllMicroservices());
  }
  if (opts.docs) mountDocs(app, { ...opts.docs, version: '0.1.0' });

  const host = def.service === 'gateway' ? rt.gatewayHost : rt.serviceHost;
  await LogScopes.run(scope, () => app.listen(rt.ports[def.service], host));
  return app;
}
