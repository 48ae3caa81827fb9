import { Module } from '@nestjs/common';
import { PaymentsRepository } from './persistence/payments.repository';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';

/** The payments feature: orchestration of risk → FX → wallet. The monolith imports this module. */
@Module({ controllers: [PaymentsController], providers: [PaymentsService, PaymentsRepository] })
export class PaymentsModule {}
