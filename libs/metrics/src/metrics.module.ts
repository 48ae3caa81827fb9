import { Controller, DynamicModule, Get, Inject, Module, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { SeedMetrics } from './seed-metrics';
import { RpcMetricsInterceptor } from './rpc-metrics.interceptor';

/** The registry of this service's app: each port's /metrics shows only its own service. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const InjectRegistry = (): ParameterDecorator => Inject(METRICS_REGISTRY);

@ApiExcludeController()
@Controller()
export class ServiceMetricsController extends PrometheusController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.header('Content-Type', this.registry.contentType);
    return this.registry.metrics();
  }
}

@Module({})
export class MetricsModule {
  /** Global within one service's app (infrastructure, like its config): a registry per service. */
  static forRoot(service: string): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: registry });
    return {
      module: MetricsModule,
      global: true,
      imports: [PrometheusModule.register({ controller: ServiceMetricsController, defaultMetrics: { enabled: false }, path: '/metrics' })],
      providers: [
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: SeedMetrics, useValue: new SeedMetrics(service, registry) },
        RpcMetricsInterceptor,
      ],
      exports: [METRICS_REGISTRY, SeedMetrics, RpcMetricsInterceptor],
    };
  }
}
