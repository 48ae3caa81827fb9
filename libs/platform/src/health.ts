import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { DATABASE, DatabaseHandle } from '@paygate/database';
import { TransportHealth } from '@paygate/transport';

/** A service-specific readiness check (e.g. fx: at least one fresh rate provider). */
export interface ReadinessCheck {
  readonly key: string;
  check(): Promise<{ up: boolean; detail?: Record<string, unknown> }>;
}
export const READINESS_CHECK = Symbol('READINESS_CHECK');

/** `/healthz`: readiness (database, transport, the service's own check), 503 when not ready. `/livez`: the process is up. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly transport: TransportHealth,
    @Optional() @Inject(DATABASE) private readonly database?: DatabaseHandle,
    @Optional() @Inject(READINESS_CHECK) private readonly readiness?: ReadinessCheck,
  ) {}

  @Get('livez')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('healthz')
  async ready(@Res({ passthrough: true }) res: FastifyReply): Promise<unknown> {
    const checks: Array<() => Promise<HealthIndicatorResult>> = [
      async () => {
        const t = await this.transport.isUp();
        const s = this.indicators.check('transport');
        return t.up ? s.up({ mode: t.mode }) : s.down({ mode: t.mode, message: t.detail ?? 'down' });
      },
    ];
    const db = this.database;
    if (db) {
      checks.push(async () => {
        const s = this.indicators.check('database');
        try {
          await db.ping();
          return s.up({ kind: db.kind });
        } catch (e) {
          return s.down({ kind: db.kind, message: e instanceof Error ? e.message : String(e) });
        }
      });
    }
    const readiness = this.readiness;
    if (readiness) {
      checks.push(async () => {
        const r = await readiness.check();
        const s = this.indicators.check(readiness.key);
        return r.up ? s.up(r.detail) : s.down(r.detail);
      });
    }
    try {
      return await this.health.check(checks);
    } catch (e) {
      // Terminus throws a 503 carrying the full result: answer with the result itself.
      res.code(503).header('Retry-After', '1');
      return (e as { getResponse?: () => unknown }).getResponse?.() ?? { status: 'error' };
    }
  }
}
