import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PaymentStatus, RPCS } from '@paygate/contracts';
import { InjectRegistry } from '@paygate/metrics';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { RequestContext } from '@paygate/transport';
import { Counter, Registry } from 'prom-client';
import { walletReference } from './domain/payment';
import { Dependencies } from './dependencies';
import { Outcome, PaymentRow, PaymentsRepository, attemptOf } from './persistence/payments.repository';

const log = new Logger('PaymentRecovery');

/** How often payments left PROCESSING are looked for. */
export const RECOVERY_SWEEP_MS = 5000;

/** What the wallet says happened to a payment's money step. */
export type WalletVerdict = 'captured' | 'held' | 'nothing';

/**
 * The decision, given what the wallet posted: a capture journal → CAPTURED; a hold → PENDING
 * (risk review) or AUTHORIZED (capture=false); nothing → no money moved, so the payment is
 * forgotten (as any outage before the money step), and a retry by its client runs it anew.
 */
export function recoveredStatus(row: Pick<PaymentRow, 'captureMethod' | 'risk'>, verdict: WalletVerdict): PaymentStatus | 'forget' {
  if (verdict === 'captured') return 'CAPTURED';
  if (verdict === 'nothing') return 'forget';
  const review = (row.risk as { decision?: string } | null)?.decision === 'REVIEW';
  return review ? 'PENDING' : row.captureMethod === 'manual' ? 'AUTHORIZED' : 'PENDING';
}

/**
 * Resolves payments left PROCESSING after a crash (their attempt's lease ran out): it asks the
 * wallet what it posted under the payment's references and records that outcome, so no payment
 * stays half-applied. Every step before it was idempotent; this only reads the wallet.
 */
@Injectable()
export class RecoveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly recovered: Counter<'outcome'>;

  constructor(
    private readonly repo: PaymentsRepository,
    private readonly deps: Dependencies,
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
    const capture = walletReference(row.id, 'capture');
    const hold = walletReference(row.id, 'hold');
    const found = await this.deps.call(RPCS.walletLookup, { journal_references: [`transfer:${capture}`], hold_references: [hold] });
    const verdict: WalletVerdict =
      found.journals.length > 0 ? 'captured' : found.holds.some((h) => h.status === 'active') ? 'held' : 'nothing';
    const status = recoveredStatus(row, verdict);
    const attempt = attemptOf(row);
    if (status === 'forget') {
      await this.repo.release(attempt);
      log.warn(`payment ${row.id}: left PROCESSING with no money moved; forgotten (a retry runs it again)`);
      return 'forgotten';
    }
    const outcome: Outcome = { status, ...(status === 'CAPTURED' ? { capturedAmountMinor: row.amountMinor } : {}) } as Outcome;
    await this.repo.finish(attempt, outcome);
    log.warn(`payment ${row.id}: left PROCESSING; the wallet says ${verdict} → ${status}`);
    return status;
  }
}
