import { Injectable } from '@nestjs/common';
import { InjectRegistry } from '@paygate/metrics';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { Counter, Histogram, Registry } from 'prom-client';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhookPayload } from './domain/signing';
import { AttemptRecord } from './webhooks.repository';

export type DeliveryOutcome = 'delivered' | 'retry_scheduled' | 'failed' | 'replay_failed';

/**
 * One HTTP attempt: POSTs the stored JSON body, signed now with the endpoint's current secret,
 * with a timeout; never follows redirects. Counts `webhook_delivery_attempt_seconds{result}` and
 * `webhook_deliveries_total{outcome}` (bounded label values only: no URL, no merchant).
 */
@Injectable()
export class WebhookSender {
  private readonly seconds: Histogram<'result'>;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
    @InjectRegistry() registry: Registry,
  ) {
    this.seconds = new Histogram({
      name: 'webhook_delivery_attempt_seconds',
      help: 'Duration of webhook delivery attempts, by result (2xx, 3xx, 4xx, 5xx, timeout, error)',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retry_scheduled, failed (gave up), replay_failed (a manual replay)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  count(outcome: DeliveryOutcome): void {
    this.outcomes.inc({ outcome });
  }

  async send(url: string, secret: string, eventId: string, body: string, trigger: AttemptRecord['trigger']): Promise<AttemptRecord> {
    const attemptedAt = new Date();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let result: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.rt.webhooks.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Paygate-Webhooks/1.0',
          [SIGNATURE_HEADER]: signWebhookPayload(secret, body, Math.floor(Date.now() / 1000)),
          [EVENT_ID_HEADER]: eventId,
        },
        body,
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      result = `${Math.floor(res.status / 100)}xx`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        error = `timeout after ${this.rt.webhooks.timeoutMs} ms`;
        result = 'timeout';
      } else {
        error = (err.cause?.code ?? err.cause?.message ?? err.message ?? 'request failed').slice(0, 500);
        result = 'error';
      }
    }
    const durationMs = Math.round(performance.now() - started);
    this.seconds.observe({ result }, durationMs / 1000);
    return { attemptedAt, statusCode, error, durationMs, trigger };
  }
}
