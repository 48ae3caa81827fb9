import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventDto, PAYMENTS_STREAM } from '@paygate/contracts';
import { InjectRegistry } from '@paygate/metrics';
import { EventBus } from '@paygate/transport';
import { Counter, Gauge, Registry } from 'prom-client';
import { EventRow, PaymentsRepository } from './persistence/payments.repository';
import { toDto } from './payments.service';

const log = new Logger('OutboxRelay');

/** How often the outbox is polled, how many events a pass takes, how long a claim holds. */
export const OUTBOX = { pollMs: 200, batch: 100, claimMs: 10_000 } as const;

export function eventDto(e: EventRow): EventDto {
  return {
    id: `evt_${e.id}`,
    type: `payment.${e.toStatus.toLowerCase()}`,
    payment_id: e.paymentId,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    reason: e.reason,
    created_at: e.createdAt.toISOString(),
    published_at: e.publishedAt ? e.publishedAt.toISOString() : null,
  };
}

/**
 * The transactional outbox's relay: payment events are written in the same transaction as the
 * state change; this publishes each at least once to NATS JetStream (stream `PAYMENTS`, subject
 * `payments.payment.<status>`, message id = event id, so JetStream drops duplicates) — or to the
 * in-process bus in the monolith — and then marks it published. Consumers are idempotent on the id.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly published: Counter;
  private readonly transitions: Counter<'status' | 'currency'>;

  constructor(
    private readonly repo: PaymentsRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @InjectRegistry() registry: Registry,
  ) {
    this.published = new Counter({
      name: 'payments_outbox_published_total',
      help: 'Payment events relayed from the outbox',
      registers: [registry],
    });
    this.transitions = new Counter({
      name: 'payments_transitions_total',
      help: 'Payment state changes (outbox events, counted once published), by new status and payment currency',
      labelNames: ['status', 'currency'],
      registers: [registry],
    });
    const lag = () => this.lagSeconds();
    new Gauge({
      name: 'payments_outbox_lag_seconds',
      help: 'Age of the oldest payment event not yet published (0 when none)',
      registers: [registry],
      async collect() {
        this.set(await lag());
      },
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.drain(), OUTBOX.pollMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Passes back to back while each one takes a full batch and sends all of it: a backlog is
   * drained at once instead of one batch per poll (which capped the relay at 500 events/s, so
   * that above that rate the events of a steady load waited longer and longer). Returns how
   * many events it published.
   */
  async drain(batch: number = OUTBOX.batch): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let total = 0;
    try {
      for (;;) {
        const { claimed, published } = await this.once(batch);
        total += published;
        if (claimed < batch || published < claimed) return total;
      }
    } finally {
      this.running = false;
    }
  }

  /** One relay pass (at most `batch` events); returns how many events it published. */
  async pass(batch: number = OUTBOX.batch): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      return (await this.once(batch)).published;
    } finally {
      this.running = false;
    }
  }

  private async once(batch: number): Promise<{ claimed: number; published: number }> {
    try {
      const claimed = await this.repo.claimUnpublished(batch, OUTBOX.claimMs);
      // All of the pass at once, in claim order: JetStream takes them pipelined on one connection
      // (one ack wait per pass, not per event), and the monolith's consumers get them together
      // (their lookups batch). An event that failed stays unpublished; its claim runs out and a
      // later pass sends it again (consumers are idempotent on the event id).
      const sent = await Promise.allSettled(
        claimed.map(({ event, payment }) => {
          const body = { ...eventDto(event), merchant_id: event.merchantId, data: payment ? { payment: toDto(payment) } : null };
          return this.bus.publishDurable(PAYMENTS_STREAM, `payments.payment.${event.toStatus.toLowerCase()}`, body, body.id);
        }),
      );
      const done: bigint[] = [];
      const changes: { status: string; currency: string }[] = [];
      sent.forEach((outcome, i) => {
        const { event, payment } = claimed[i];
        if (outcome.status === 'rejected') {
          log.warn(`outbox relay: event ${event.id}: ${(outcome.reason as Error).message} (sent again later)`);
          return;
        }
        done.push(event.id);
        changes.push({ status: event.toStatus, currency: payment ? payment.currency.trim() : 'unknown' });
      });
      await this.repo.markPublished(done);
      this.published.inc(done.length);
      for (const labels of changes) this.transitions.inc(labels);
      return { claimed: claimed.length, published: done.length };
    } catch (e) {
      log.warn(`outbox relay: ${(e as Error).message}`);
      return { claimed: 0, published: 0 };
    }
  }

  private async lagSeconds(): Promise<number> {
    const oldest = await this.repo.oldestUnpublished().catch(() => undefined);
    return oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0;
  }
}
