import { Module } from '@nestjs/common';
import { IdempotencyService } from '../idempotency.service';
import { PaymentsRepository } from '../persistence/payments.repository';
import { WebhookConsumer } from './webhook-consumer';
import { WebhookSender } from './webhook-sender';
import { WebhookWorker } from './webhook-worker';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks of payments: endpoints per merchant (create, list, delete, rotate secret), a durable
 * consumer of the payment events that records deliveries, a worker that sends them signed with
 * retries, and the deliveries' history with manual replay.
 */
@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhooksRepository, WebhookConsumer, WebhookWorker, WebhookSender, IdempotencyService, PaymentsRepository],
})
export class WebhooksModule {}
