import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { afterFailure, isDelivered } from './domain/backoff';
import { WebhookSender } from './webhook-sender';
import { ClaimedDelivery, WebhooksRepository } from './webhooks.repository';

const log = new Logger('WebhookWorker');

/** Deliveries a pass claims at most (and sends concurrently). */
const BATCH = 25;

/**
 * Sends due webhook deliveries: each pass claims a batch (`for update skip locked`, so replicas
 * never send the same attempt concurrently), POSTs them, and records every attempt with what
 * follows (delivered; retried later with exponential backoff and jitter; failed after the limit).
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly sender: WebhookSender,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.nudge(), this.rt.webhooks.pollMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.current;
  }

  /** Runs a pass now (or right after the one in progress). */
  nudge(): void {
    if (this.stopped) return;
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = this.loop().finally(() => (this.current = undefined));
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const sent = await this.pass().catch((e: Error) => {
        log.warn(`webhook pass: ${e.message}`);
        return 0;
      });
      if (sent === BATCH) this.again = true;
    } while (this.again && !this.stopped);
  }

  /** One pass; returns how many deliveries it attempted. */
  async pass(): Promise<number> {
    const claimMs = 2 * this.rt.webhooks.timeoutMs + 10_000;
    const claimed = await this.repo.claimDue(BATCH, claimMs);
    await Promise.all(claimed.map((c) => this.attempt(c)));
    return claimed.length;
  }

  private async attempt({ delivery, url, secret }: ClaimedDelivery): Promise<void> {
    const attempt = await this.sender.send(url, secret, delivery.eventId, delivery.payload, 'automatic');
    const count = delivery.attemptCount + 1;
    const next = isDelivered(attempt.statusCode)
      ? ({ status: 'delivered', nextAttemptAt: null } as const)
      : (() => {
          const f = afterFailure(count, this.rt.webhooks, new Date());
          return f.status === 'failed' ? ({ status: 'failed', nextAttemptAt: null } as const) : f;
        })();
    await this.repo.recordAttempt(delivery.id, delivery.claimToken, attempt, next);
    this.sender.count(next.status === 'pending' ? 'retry_scheduled' : next.status);
  }
}
