import { Controller, DynamicModule, Get, Inject, Injectable, Module, OnModuleDestroy, OnModuleInit, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { METRICS_PATH } from './http-metrics';
import { processMetrics } from './process-metrics';
import { SeedMetrics } from './seed-metrics';
import { RpcMetricsInterceptor } from './rpc-metrics.interceptor';

/** The registry of this service's app: each port's /metrics shows only its own service. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const InjectRegistry = (): ParameterDecorator => Inject(METRICS_REGISTRY);
const METRICS_SERVICE = Symbol('METRICS_SERVICE');

/** This service's share of the process metrics: hosted while its app runs (see process-metrics.ts). */
@Injectable()
export class ProcessMetricsHost implements OnModuleInit, OnModuleDestroy {
  private release?: () => void;

  constructor(@Inject(METRICS_SERVICE) readonly service: string) {}

  onModuleInit(): void {
    this.release = processMetrics.host(this.service);
  }

  onModuleDestroy(): void {
    this.release?.();
    this.release = undefined;
  }
}

@ApiExcludeController()
@Controller()
export class ServiceMetricsController extends PrometheusController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(METRICS_SERVICE) private readonly service: string,
  ) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    response.header('Content-Type', this.registry.contentType);
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics.metricsFor(this.service)]);
    return proc ? `${own.endsWith('\n') ? own : `${own}\n`}${proc}` : own;
  }
}

@Module({})
export class MetricsModule {
  /**
   * Global within one service's app (infrastructure, like its config): a registry per service,
   * every series labelled `service`; the process metrics once per process (process-metrics.ts).
   */
  static forRoot(service: string): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service });
    return {
      module: MetricsModule,
      global: true,
      imports: [
        PrometheusModule.register({ controller: ServiceMetricsController, defaultMetrics: { enabled: false }, path: METRICS_PATH }),
      ],
      providers: [
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: METRICS_SERVICE, useValue: service },
        { provide: SeedMetrics, useValue: new SeedMetrics(service, registry) },
        RpcMetricsInterceptor,
        ProcessMetricsHost,
      ],
      exports: [METRICS_REGISTRY, METRICS_SERVICE, SeedMetrics, RpcMetricsInterceptor],
    };
  }
}
