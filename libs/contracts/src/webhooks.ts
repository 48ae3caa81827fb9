import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageLimit } from './validators';
import { PAYMENT_STATUSES } from './payments';

/** Every event type a webhook endpoint may subscribe to (`payment.<status>`; no event enters PROCESSING), or `*` for all. */
export const WEBHOOK_EVENT_TYPES = PAYMENT_STATUSES.filter((s) => s !== 'PROCESSING').map((s) => `payment.${s.toLowerCase()}`);
export const WEBHOOK_EVENT_WILDCARD = '*';

export const WEBHOOK_ENDPOINT_ID_PATTERN = /^we_[0-9a-f]{16,32}$/;
export const WEBHOOK_DELIVERY_ID_PATTERN = /^whd_[0-9]{1,18}$/;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'canceled'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export class CreateWebhookEndpointRequest {
  @ApiProperty({
    example: 'https://merchant.example/paygate/webhooks',
    description: 'Where events are POSTed: an http(s) URL without credentials (see README "Webhooks" for which hosts are allowed)',
  })
  @IsString()
  @MaxLength(2048)
  @Matches(/^https?:\/\/\S+$/i, { message: 'url must be an http:// or https:// URL' })
  url!: string;

  @ApiProperty({
    required: false,
    example: ['payment.captured', 'payment.refunded'],
    description: `Event types to receive (default: all, \`["*"]\`): ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsIn([WEBHOOK_EVENT_WILDCARD, ...WEBHOOK_EVENT_TYPES], {
    each: true,
    message: `each value in events must be "*" or one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  events?: string[];

  @ApiProperty({ required: false, example: 'order service' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ example: 'we_5f0c6a2e9b1d4c7a' }) id!: string;
  @ApiProperty({ example: 'https://merchant.example/paygate/webhooks' }) url!: string;
  @ApiProperty({ example: ['*'], type: [String] }) events!: string[];
  @ApiProperty({ example: 'order service', nullable: true, type: String }) description!: string | null;
  @ApiProperty({ example: 'enabled', enum: ['enabled', 'deleted'] }) status!: 'enabled' | 'deleted';
  @ApiProperty({
    required: false,
    example: 'whsec_3q2+7w…',
    description: 'The signing secret: only in the answers of create and rotate_secret',
  })
  secret?: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) updated_at!: string;
}

export class WebhookEndpointIdRequest {
  @ApiProperty({ example: 'we_5f0c6a2e9b1d4c7a' })
  @Matches(WEBHOOK_ENDPOINT_ID_PATTERN, { message: 'id must be a webhook endpoint id (we_…)' })
  id!: string;
}

export class ListWebhookEndpointsRequest {
  @PageLimit()
  limit?: number;

  @ApiProperty({ required: false, example: 'we_5f0c6a2e9b1d4c7a', description: 'Cursor: the `next_cursor` of the previous page' })
  @IsOptional()
  @Matches(WEBHOOK_ENDPOINT_ID_PATTERN, { message: 'starting_after must be a webhook endpoint id (we_…)' })
  starting_after?: string;
}

export class WebhookEndpointListResponse {
  @ApiProperty({ type: [WebhookEndpointDto] }) data!: WebhookEndpointDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

export class WebhookAttemptDto {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) attempted_at!: string;
  @ApiProperty({ example: 200, nullable: true, type: Number, description: 'HTTP status of the answer; null when none came' })
  status_code!: number | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'Why no answer came (timeout, connection refused, …)' })
  error!: string | null;
  @ApiProperty({ example: 12 }) duration_ms!: number;
  @ApiProperty({ example: 'automatic', enum: ['automatic', 'manual'] }) trigger!: 'automatic' | 'manual';
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: 'whd_42' }) id!: string;
  @ApiProperty({ example: 'we_5f0c6a2e9b1d4c7a' }) endpoint_id!: string;
  @ApiProperty({ example: 'evt_42' }) event_id!: string;
  @ApiProperty({ example: 'payment.captured' }) event_type!: string;
  @ApiProperty({ example: 'delivered', enum: WEBHOOK_DELIVERY_STATUSES }) status!: WebhookDeliveryStatus;
  @ApiProperty({ example: 1 }) attempt_count!: number;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'When the next automatic attempt is due (pending only)' })
  next_attempt_at!: string | null;
  @ApiProperty({ example: 200, nullable: true, type: Number }) last_status_code!: number | null;
  @ApiProperty({ example: null, nullable: true, type: String }) last_error!: string | null;
  @ApiProperty({ example: '2026-11-25T12:00:00.050Z', nullable: true, type: String }) delivered_at!: string | null;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ type: [WebhookAttemptDto], description: 'Every attempt, oldest first' }) attempts!: WebhookAttemptDto[];
}

export class ListWebhookDeliveriesRequest extends WebhookEndpointIdRequest {
  @ApiProperty({ required: false, enum: WEBHOOK_DELIVERY_STATUSES, description: 'Only deliveries in this status' })
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATUSES)
  status?: WebhookDeliveryStatus;

  @PageLimit()
  limit?: number;

  @ApiProperty({ required: false, example: 'whd_40', description: 'Cursor: the `next_cursor` of the previous page (newest first)' })
  @IsOptional()
  @Matches(WEBHOOK_DELIVERY_ID_PATTERN, { message: 'starting_after must be a delivery id (whd_…)' })
  starting_after?: string;
}

export class WebhookDeliveryListResponse {
  @ApiProperty({ type: [WebhookDeliveryDto] }) data!: WebhookDeliveryDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

export class WebhookDeliveryIdRequest {
  @ApiProperty({ example: 'whd_42' })
  @Matches(WEBHOOK_DELIVERY_ID_PATTERN, { message: 'id must be a webhook delivery id (whd_…)' })
  id!: string;
}
