import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '@paygate/contracts';
import { projectRoot } from '@paygate/database';
import { contentSecurityPolicy } from '@paygate/http';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { DashboardService, DashboardSummary } from './dashboard.service';
import { renderPage } from './page';

class ServiceTrafficDto {
  @ApiProperty({
    example: 1042,
    description: 'Requests handled since the service started (HTTP and RPC; scrapes, health checks and this page excluded)',
  })
  requests!: number;
  @ApiProperty({ example: 3, description: 'Of which failed (HTTP status ≥ 400 or an RPC error)' }) failed!: number;
  @ApiProperty({ type: [Number], example: [0, 12, 40, 200, 900, 1000, 1040, 1042, 1042, 1042, 1042, 1042, 1042, 1042] })
  latency!: number[];
}

class ServiceSummaryDto {
  @ApiProperty({ enum: ['gateway', 'payments', 'fx', 'wallet', 'risk'], example: 'payments' }) service!: string;
  @ApiProperty({
    enum: ['up', 'down', 'unreachable'],
    example: 'up',
    description: 'Its /healthz: 200 → up, 503 → down, no answer → unreachable',
  })
  health!: string;
  @ApiProperty({ type: ServiceTrafficDto, nullable: true, description: 'Null when its /metrics did not answer' })
  traffic!: ServiceTrafficDto | null;
}

class DashboardSummaryDto {
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) at!: string;
  @ApiProperty({
    type: [Number],
    example: [0.001, 0.0025, 0.005],
    description: 'Upper bounds (seconds) of the latency counts; the last count is +Inf',
  })
  latency_bounds!: number[];
  @ApiProperty({ type: [ServiceSummaryDto] }) services!: ServiceSummaryDto[];
}

interface Asset {
  file: string;
  type: string;
}

const OWN = (name: string) => join(projectRoot(), 'apps', 'gateway', 'src', 'ui', 'assets', name);
const UPLOT = (name: string) => require.resolve(`uplot/dist/${name}`);

/** The page's static files: its own script and styles, and uPlot from node_modules (no CDN). */
const ASSETS: Record<string, () => Asset> = {
  'app.js': () => ({ file: OWN('app.js'), type: 'text/javascript; charset=utf-8' }),
  'dashboard-math.js': () => ({ file: OWN('dashboard-math.js'), type: 'text/javascript; charset=utf-8' }),
  'app.css': () => ({ file: OWN('app.css'), type: 'text/css; charset=utf-8' }),
  'uPlot.iife.min.js': () => ({ file: UPLOT('uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }),
  'uPlot.min.css': () => ({ file: UPLOT('uPlot.min.css'), type: 'text/css; charset=utf-8' }),
};

/**
 * The live dashboard at `/` (DESIGN §5): public like /healthz and /metrics. The page reads the
 * keyless aggregate summary at /ui/summary; payments and FX ticks go through the API with the
 * key typed into the page (prefilled with the demo key outside production).
 */
@ApiTags('dashboard')
@Controller()
export class DashboardController {
  private readonly files = new Map<string, { body: Buffer; type: string }>();

  constructor(
    private readonly dashboard: DashboardService,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'dashboardPage',
    summary: 'The live dashboard page (HTML, no key needed)',
    description:
      'Charts of requests/s, error rate and p95 latency per service, FX ticks, recent payments, service health, and the Grafana dashboard when GRAFANA_URL answers. Its Content-Security-Policy frames exactly that Grafana origin (`frame-src` `none` otherwise).',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  async page(@Res() res: FastifyReply): Promise<void> {
    const grafanaUrl = await this.dashboard.grafana();
    const demoKey = this.rt.env === 'production' ? undefined : this.rt.demoApiKey;
    await res
      .header('Content-Security-Policy', contentSecurityPolicy(grafanaUrl))
      .header('Cache-Control', 'no-store')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(renderPage({ demoKey, grafanaUrl }));
  }

  @Get('ui/summary')
  @ApiOperation({
    operationId: 'dashboardSummary',
    summary: "Each service's health and cumulative traffic counters (no key needed)",
    description:
      "Gathered from each service's own /healthz and /metrics (cached 0.5 s). Aggregates only: no routes, merchants or error messages. Rates and quantiles are computed by the caller from two samples.",
  })
  @ApiOkResponse({ type: DashboardSummaryDto })
  async summary(@Res({ passthrough: true }) res: FastifyReply): Promise<DashboardSummary> {
    res.header('Cache-Control', 'no-store');
    return this.dashboard.summary();
  }

  @Get('ui/:asset')
  @ApiOperation({ operationId: 'dashboardAsset', summary: "The dashboard page's scripts and styles" })
  @ApiParam({ name: 'asset', enum: Object.keys(ASSETS) })
  @ApiProduces('text/javascript', 'text/css')
  @ApiOkResponse({ description: 'The file' })
  @ApiNotFoundResponse({ description: 'No such asset (NOT_FOUND)' })
  async asset(@Param('asset') name: string, @Res() res: FastifyReply): Promise<void> {
    const asset = this.load(name);
    await res
      .header('Content-Type', asset.type)
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .send(asset.body);
  }

  private load(name: string): { body: Buffer; type: string } {
    const cached = this.files.get(name);
    if (cached) return cached;
    const locate = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!locate) throw new DomainError('NOT_FOUND', `No dashboard asset named ${JSON.stringify(name.slice(0, 64))}`);
    const asset = locate();
    const loaded = { body: readFileSync(asset.file), type: asset.type };
    this.files.set(name, loaded);
    return loaded;
  }
}
