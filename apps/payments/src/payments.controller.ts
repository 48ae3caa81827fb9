import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreatePaymentRequest, GetPaymentRequest, HttpOutcome, PaymentDto, ROUTES } from '@paygate/contracts';
import { PaymentsService } from './payments.service';

@Controller()
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @MessagePattern(ROUTES.paymentsCreate.pattern)
  create(@Payload() req: CreatePaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.payments.create(req);
  }

  @MessagePattern(ROUTES.paymentsGet.pattern)
  get(@Payload() req: GetPaymentRequest): Promise<PaymentDto> {
    return this.payments.get(req.id);
  }
}
