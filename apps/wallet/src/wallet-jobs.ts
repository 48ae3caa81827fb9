import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { onTransactionRetry } from '@paygate/database';
import { InjectRegistry } from '@paygate/metrics';
import { Counter, Registry } from 'prom-client';
import { LedgerRepository } from './persistence/ledger.repository';

const log = new Logger('WalletJobs');

/** How often lapsed holds are released. */
export const HOLD_SWEEP_MS = 1000;

/**
 * The wallet's background work and its counters: a sweep that releases holds whose `expires_at`
 * passed, and `wallet_tx_retries_total{reason}` counting transactions PostgreSQL aborted as a
 * deadlock victim or for a serialization failure (each is retried whole).
 */
@Injectable()
export class WalletJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private readonly unobserve: () => void;
  readonly expired: Counter;

  constructor(
    private readonly ledger: LedgerRepository,
    @InjectRegistry() registry: Registry,
  ) {
    const retries = new Counter({
      name: 'wallet_tx_retries_total',
      help: 'Ledger transactions retried after PostgreSQL aborted them (deadlock or serialization failure)',
      labelNames: ['reason'],
      registers: [registry],
    });
    // Both series exist from the start (at 0), so a dashboard shows "no retries" rather than no data.
    for (const reason of ['deadlock', 'serialization']) retries.inc({ reason }, 0);
    this.unobserve = onTransactionRetry((state) => retries.inc({ reason: state === '40P01' ? 'deadlock' : 'serialization' }));
    this.expired = new Counter({
      name: 'wallet_holds_expired_total',
      help: 'Holds released because their time ran out',
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), HOLD_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.unobserve();
  }

  /** Releases lapsed holds (one sweep at a time). */
  async sweep(now = new Date()): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const n = await this.ledger.expireHolds(now);
      if (n > 0) this.expired.inc(n);
      return n;
    } catch (e) {
      log.warn(`hold expiry sweep failed: ${(e as Error).message}`);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }
}
