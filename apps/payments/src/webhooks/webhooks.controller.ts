import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateWebhookEndpointRequest,
  HttpOutcome,
  ListWebhookDeliveriesRequest,
  ListWebhookEndpointsRequest,
  ROUTES,
  WebhookDeliveryDetailDto,
  WebhookDeliveryIdRequest,
  WebhookDeliveryListResponse,
  WebhookEndpointDto,
  WebhookEndpointIdRequest,
  WebhookEndpointListResponse,
} from '@paygate/contracts';
import { WebhooksService } from './webhooks.service';

@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @MessagePattern(ROUTES.webhookEndpointsCreate.pattern)
  create(@Payload() req: CreateWebhookEndpointRequest): Promise<HttpOutcome<WebhookEndpointDto>> {
    return this.webhooks.create(req);
  }

  @MessagePattern(ROUTES.webhookEndpointsList.pattern)
  list(@Payload() req: ListWebhookEndpointsRequest): Promise<WebhookEndpointListResponse> {
    return this.webhooks.list(req);
  }

  @MessagePattern(ROUTES.webhookEndpointsGet.pattern)
  get(@Payload() req: WebhookEndpointIdRequest): Promise<WebhookEndpointDto> {
    return this.webhooks.get(req.id);
  }

  @MessagePattern(ROUTES.webhookEndpointsDelete.pattern)
  delete(@Payload() req: WebhookEndpointIdRequest): Promise<WebhookEndpointDto> {
    return this.webhooks.delete(req.id);
  }

  @MessagePattern(ROUTES.webhookEndpointsRotateSecret.pattern)
  rotateSecret(@Payload() req: WebhookEndpointIdRequest): Promise<WebhookEndpointDto> {
    return this.webhooks.rotateSecret(req.id);
  }

  @MessagePattern(ROUTES.webhookEndpointDeliveries.pattern)
  deliveries(@Payload() req: ListWebhookDeliveriesRequest): Promise<WebhookDeliveryListResponse> {
    return this.webhooks.deliveries(req);
  }

  @MessagePattern(ROUTES.webhookDeliveryGet.pattern)
  delivery(@Payload() req: WebhookDeliveryIdRequest): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.delivery(req.id);
  }

  @MessagePattern(ROUTES.webhookDeliveryReplay.pattern)
  replay(@Payload() req: WebhookDeliveryIdRequest): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.replay(req.id);
  }
}
