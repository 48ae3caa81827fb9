import { Module } from '@nestjs/common';
import { Dependencies } from './dependencies';
import { IdempotencyService } from './idempotency.service';
import { LifecycleService } from './lifecycle.service';
import { PaymentsRepository } from './persistence/payments.repository';
import { PaymentsController } from './payments.controller';
import { OutboxRelay } from './outbox.relay';
import { PaymentsService } from './payments.service';
import { RecoveryService } from './recovery.service';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The payments feature (the monolith imports this module): orchestration of a new payment
 * (payments.service), what follows it (lifecycle.service), idempotency of the follow-up POSTs.
 */
@Module({
  imports: [WebhooksModule],
  controllers: [PaymentsController],
  providers: [PaymentsService, LifecycleService, RecoveryService, OutboxRelay, IdempotencyService, PaymentsRepository, Dependencies],
})
export class PaymentsModule {}
