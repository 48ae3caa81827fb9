import { DynamicModule, Module, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackendService, ServiceName, routesOf } from '@paygate/contracts';
import { DatabaseModule } from '@paygate/database';
import { EdgeModule, createForwarder } from '@paygate/http';
import { MetricsModule } from '@paygate/metrics';
import { TransportModule } from '@paygate/transport';
import { join } from 'node:path';
import { HealthController } from './health';
import type { RuntimeConfig } from './runtime-config';
import { RuntimeConfigModule } from './runtime-config.module';
import { TracingFlusher } from './tracing';

export interface ServiceDefinition {
  service: ServiceName;
  /** The feature module: controllers (`@MessagePattern`), services, repositories. */
  feature: Type<unknown> | DynamicModule;
  /** The Postgres schema this service owns (its migrations live in apps/<service>/src/persistence). */
  schema: string;
  /** Mount the HTTP→RPC forwarder for this service's own routes (backend services, no auth). */
  forwardOwnRoutes: boolean;
}

/** PGlite directory of an app: the monolith's five share one, a standalone service has its own. */
export function pgliteDirOf(rt: RuntimeConfig, name: string): string {
  return rt.database.dataDir.startsWith('memory://') ? rt.database.dataDir : join(rt.database.dataDir, name);
}

/**
 * The process root of one service (`<svc>-app.module.ts` calls this): its metrics registry,
 * transport, database, health and the feature module. The monolith builds the same five roots
 * in one process, so every port keeps its own routes, registry and health.
 */
@Module({})
export class ServiceRootModule {
  static forRoot(def: ServiceDefinition, rt: RuntimeConfig, pgliteName: string = def.service): DynamicModule {
    const controllers: Type<unknown>[] = [HealthController];
    if (def.forwardOwnRoutes) {
      controllers.push(createForwarder(`${def.service}HttpForwarder`, routesOf(def.service as BackendService)));
    }
    return {
      module: ServiceRootModule,
      imports: [
        RuntimeConfigModule.forRoot(rt),
        TerminusModule,
        EdgeModule.forRoot({ requestBudgetMs: rt.requestBudgetMs }),
        MetricsModule.forRoot(def.service),
        TransportModule.forRoot(def.service, rt.transport),
        DatabaseModule.forRoot({
          service: def.service,
          schema: def.schema,
          url: rt.database.url,
          poolSize: rt.database.poolSize,
          pgliteDir: pgliteDirOf(rt, pgliteName),
        }),
        def.feature,
      ],
      controllers,
      providers: [TracingFlusher],
    };
  }
}
