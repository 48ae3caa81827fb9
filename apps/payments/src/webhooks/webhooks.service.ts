import { Injectable } from '@nestjs/common';
import {
  CreateWebhookEndpointRequest,
  DomainError,
  HttpOutcome,
  ListWebhookDeliveriesRequest,
  ListWebhookEndpointsRequest,
  WebhookAttemptDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryListResponse,
  WebhookDeliveryStatus,
  WebhookEndpointDto,
  WebhookEndpointListResponse,
} from '@paygate/contracts';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { RequestContext } from '@paygate/transport';
import { randomBytes } from 'node:crypto';
import { IdempotencyService } from '../idempotency.service';
import { isDelivered } from './domain/backoff';
import { generateWebhookSecret } from './domain/signing';
import { checkWebhookUrl } from './domain/url-policy';
import { WebhookSender } from './webhook-sender';
import { AttemptRow, DeliveryRow, EndpointRow, WebhooksRepository } from './webhooks.repository';

export function endpointDto(row: EndpointRow, withSecret = false): WebhookEndpointDto {
  const dto: WebhookEndpointDto = {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    status: row.deletedAt ? 'deleted' : 'enabled',
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
  return withSecret ? { ...dto, secret: row.secret } : dto;
}

export function deliveryDto(row: DeliveryRow): WebhookDeliveryDto {
  return {
    id: `whd_${row.id}`,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status as WebhookDeliveryStatus,
    attempt_count: row.attemptCount,
    next_attempt_at: row.status === 'pending' && row.nextAttemptAt ? row.nextAttemptAt.toISOString() : null,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    delivered_at: row.deliveredAt ? row.deliveredAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
  };
}

function attemptDto(row: AttemptRow, index: number): WebhookAttemptDto {
  return {
    number: index + 1,
    attempted_at: row.attemptedAt.toISOString(),
    status_code: row.statusCode,
    error: row.error,
    duration_ms: row.durationMs,
    trigger: row.trigger as WebhookAttemptDto['trigger'],
  };
}

/** Webhook endpoints of the calling merchant, their deliveries, and manual replays. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly sender: WebhookSender,
    private readonly idempotency: IdempotencyService,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
  ) {}

  create(req: CreateWebhookEndpointRequest): Promise<HttpOutcome<WebhookEndpointDto>> {
    return this.idempotency.run('webhook_endpoint.create', req, async () => {
      const { merchantId } = RequestContext.require();
      const url = checkWebhookUrl(req.url, this.rt.webhooks.allowPrivateUrls);
      const events = !req.events || req.events.includes('*') ? ['*'] : [...new Set(req.events)].sort();
      const row = await this.repo.createEndpoint({
        id: `we_${randomBytes(8).toString('hex')}`,
        merchantId,
        url,
        events,
        description: req.description ?? null,
        secret: generateWebhookSecret(),
      });
      return { status: 201, body: endpointDto(row, true) };
    });
  }

  async list(req: ListWebhookEndpointsRequest): Promise<WebhookEndpointListResponse> {
    const { merchantId } = RequestContext.require();
    const page = await this.repo.listEndpoints(merchantId, req.limit ?? 20, req.starting_after);
    const data = page.rows.map((r) => endpointDto(r));
    return { data, has_more: page.hasMore, next_cursor: page.hasMore ? data[data.length - 1].id : null };
  }

  async get(id: string): Promise<WebhookEndpointDto> {
    return endpointDto(await this.endpoint(id));
  }

  async delete(id: string): Promise<WebhookEndpointDto> {
    const { merchantId } = RequestContext.require();
    const row = await this.repo.deleteEndpoint(merchantId, id);
    if (!row) throw notFound(id);
    return endpointDto(row);
  }

  async rotateSecret(id: string): Promise<WebhookEndpointDto> {
    const { merchantId } = RequestContext.require();
    const row = await this.repo.rotateSecret(merchantId, id, generateWebhookSecret());
    if (!row) throw notFound(id);
    return endpointDto(row, true);
  }

  async deliveries(req: ListWebhookDeliveriesRequest): Promise<WebhookDeliveryListResponse> {
    const { merchantId } = RequestContext.require();
    const ep = await this.endpoint(req.id);
    const before = req.starting_after ? BigInt(req.starting_after.slice(4)) : undefined;
    const page = await this.repo.listDeliveries(merchantId, ep.id, req.limit ?? 20, before, req.status);
    const data = page.rows.map(deliveryDto);
    return { data, has_more: page.hasMore, next_cursor: page.hasMore ? data[data.length - 1].id : null };
  }

  async delivery(id: string): Promise<WebhookDeliveryDetailDto> {
    return this.detail(await this.deliveryRow(id));
  }

  /** Sends the delivery again now, whatever its status, and records the attempt (trigger `manual`). */
  async replay(id: string): Promise<WebhookDeliveryDetailDto> {
    const d = await this.deliveryRow(id);
    const ep = await this.endpoint(d.endpointId);
    const attempt = await this.sender.send(ep.url, ep.secret, d.eventId, d.payload, 'manual');
    const ok = isDelivered(attempt.statusCode);
    const row = await this.repo.recordAttempt(d.id, null, attempt, ok ? { status: 'delivered', nextAttemptAt: null } : null);
    this.sender.count(ok ? 'delivered' : 'replay_failed');
    return this.detail(row ?? d);
  }

  private async detail(row: DeliveryRow): Promise<WebhookDeliveryDetailDto> {
    const attempts = await this.repo.attemptsOf(row.id);
    return { ...deliveryDto(row), attempts: attempts.map(attemptDto) };
  }

  private async endpoint(id: string): Promise<EndpointRow> {
    const { merchantId } = RequestContext.require();
    const row = await this.repo.findEndpoint(merchantId, id);
    if (!row) throw notFound(id);
    return row;
  }

  private async deliveryRow(id: string): Promise<DeliveryRow> {
    const { merchantId } = RequestContext.require();
    const row = await this.repo.findDelivery(merchantId, BigInt(id.slice(4)));
    if (!row) throw new DomainError('WEBHOOK_DELIVERY_NOT_FOUND', `No webhook delivery ${id}`);
    return row;
  }
}

function notFound(id: string): DomainError {
  return new DomainError('WEBHOOK_ENDPOINT_NOT_FOUND', `No webhook endpoint ${id}`);
}
