import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ErrorsFilter, losslessJsonBody, mountDocs, requestIdMiddleware } from '@paygate/http';
import { RpcMetricsInterceptor, SeedMetrics, httpMetricsMiddleware } from '@paygate/metrics';
import { RpcContextInterceptor, createValidationPipe, serverStrategy } from '@paygate/transport';
import { RuntimeConfig } from './runtime-config';
import { ServiceDefinition, ServiceRootModule } from './service-root.module';

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
 * Creates, wires and starts one service's app: HTTP on its port (request id, seed metrics,
 * lossless JSON bodies, the one error envelope) and its message handlers on the configured
 * transport with the same pipes, interceptors and filters (`inheritAppConfig`).
 */
export async function startService(def: ServiceDefinition, rt: RuntimeConfig, opts: StartOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ServiceRootModule.forRoot(def, rt, opts.pgliteName), {
    bodyParser: false,
    abortOnError: false,
    logger: logLevels(rt.logLevel),
  });
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(httpMetricsMiddleware(app.get(SeedMetrics)));
  app.use(losslessJsonBody);

  app.useGlobalFilters(new ErrorsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new RpcContextInterceptor(), app.get(RpcMetricsInterceptor));

  if (opts.rpcServer) {
    app.connectMicroservice(serverStrategy(def.service, rt.transport), { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  if (opts.docs) mountDocs(app, { ...opts.docs, version: '0.1.0' });

  const host = def.service === 'gateway' ? rt.gatewayHost : rt.serviceHost;
  await app.listen(rt.ports[def.service], host);
  return app;
}
