import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRegistry } from '@paygate/metrics';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { RequestContext } from '@paygate/transport';
import { Counter, Registry } from 'prom-client';
import { PaymentsService } from './payments.service';
import { PaymentRow, PaymentsRepository } from './persistence/payments.repository';

const log = new Logger('PaymentRecovery');

/** How often payments left PROCESSING are looked for. */
export const RECOVERY_SWEEP_MS = 5000;

/**
 * Resolves payments left PROCESSING after a crash (their attempt's lease ran out): it asks the
 * wallet what it posted under the payment's references and records that outcome with the
 * decisions that led to it (PaymentsService.recover), so no payment stays half-applied.
 */
@Injectable()
export class RecoveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly recovered: Counter<'outcome'>;

  constructor(
    private readonly repo: PaymentsRepository,
    private readonly payments: PaymentsService,
    @InjectRegistry() registry: Registry,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
  ) {
    this.recovered = new Counter({
      name: 'payments_recovered_total',
      help: 'Payments left PROCESSING that recovery resolved, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.rt.payments.recoveryIntervalMs ?? RECOVERY_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let n = 0;
    try {
      const rows = await this.repo.takeOverStale(now, new Date(now.getTime() + (this.rt.payments.recoveryLeaseMs ?? 30_000)));
      for (const row of rows) {
        await RequestContext.run(
          { requestId: `recovery_${row.id}`, merchantId: row.merchantId, deadline: Date.now() + 10_000 },
          async () => {
            const outcome = await this.resolve(row);
            this.recovered.inc({ outcome });
            n += 1;
          },
        );
      }
    } catch (e) {
      log.warn(`recovery sweep: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
    return n;
  }

  private async resolve(row: PaymentRow): Promise<string> {
    const outcome = await this.payments.recover(row);
    log.warn(
      outcome === 'forgotten'
        ? `payment ${row.id}: left PROCESSING with no money moved; forgotten (a retry runs it again)`
        : `payment ${row.id}: left PROCESSING; the wallet shows its money step done → ${outcome}`,
    );
    return outcome;
  }
}
