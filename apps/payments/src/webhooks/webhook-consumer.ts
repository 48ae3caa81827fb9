import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PAYMENTS_STREAM } from '@paygate/contracts';
import { EventBus } from '@paygate/transport';
import { WebhookWorker } from './webhook-worker';
import { WebhooksRepository } from './webhooks.repository';

const log = new Logger('WebhookConsumer');

/** The durable consumer's name on stream PAYMENTS (shared by every payments replica). */
export const WEBHOOK_CONSUMER = 'payments-webhooks';

/** A payment event as the outbox relay publishes it. */
export interface RelayedEvent {
  id: string;
  type: string;
  merchant_id: string;
  payment_id: string;
  from_status: string | null;
  to_status: string;
  reason: string;
  created_at: string;
  data: { payment: unknown } | null;
}

function isRelayedEvent(p: unknown): p is RelayedEvent {
  const e = p as Partial<RelayedEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.type === 'string' &&
    typeof e.merchant_id === 'string' &&
    typeof e.created_at === 'string' &&
    !Number.isNaN(Date.parse(e.created_at))
  );
}

/** The JSON body an endpoint receives: `{id, type, created, data}`. */
export function webhookBody(e: RelayedEvent): string {
  return JSON.stringify({
    id: e.id,
    type: e.type,
    created: e.created_at,
    data: {
      payment: e.data?.payment ?? null,
      payment_id: e.payment_id,
      from_status: e.from_status,
      to_status: e.to_status,
      reason: e.reason,
    },
  });
}

/**
 * Consumes payment events at least once (a JetStream durable consumer with explicit ack; the
 * in-process bus in the monolith) and records one delivery per matching endpoint of the event's
 * merchant. The event is acknowledged only after the deliveries are stored, and a redelivered
 * event adds nothing (unique on endpoint and event).
 */
@Injectable()
export class WebhookConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stop?: () => Promise<void>;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    private readonly repo: WebhooksRepository,
    private readonly worker: WebhookWorker,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = this.bus.consumeDurable(PAYMENTS_STREAM, WEBHOOK_CONSUMER, (p) => this.handle(p));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }

  async handle(payload: unknown): Promise<void> {
    if (!isRelayedEvent(payload)) {
      log.warn('ignoring a payment event without id, type, merchant_id or created_at');
      return;
    }
    const endpoints = await this.repo.matchingEndpoints(payload.merchant_id, payload.type, new Date(payload.created_at));
    if (endpoints.length === 0) return;
    const body = webhookBody(payload);
    const added = await this.repo.recordDeliveries(
      endpoints.map((ep) => ({
        merchantId: payload.merchant_id,
        endpointId: ep.id,
        eventId: payload.id,
        eventType: payload.type,
        payload: body,
      })),
    );
    if (added > 0) this.worker.nudge();
  }
}
