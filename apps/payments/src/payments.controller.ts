import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CancelPaymentRequest,
  CapturePaymentRequest,
  CreatePaymentRequest,
  EventListResponse,
  ListEventsRequest,
  GetPaymentRequest,
  HttpOutcome,
  ListPaymentsRequest,
  PaymentDto,
  PaymentIdRequest,
  PaymentListResponse,
  ROUTES,
  RefundDto,
  RefundListResponse,
  RefundPaymentRequest,
  ReviewPaymentRequest,
} from '@paygate/contracts';
import { LifecycleService } from './lifecycle.service';
import { PaymentsService } from './payments.service';

@Controller()
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly lifecycle: LifecycleService,
  ) {}

  @MessagePattern(ROUTES.paymentsCreate.pattern)
  create(@Payload() req: CreatePaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.payments.create(req);
  }

  @MessagePattern(ROUTES.paymentsGet.pattern)
  get(@Payload() req: GetPaymentRequest): Promise<PaymentDto> {
    return this.payments.get(req.id);
  }

  @MessagePattern(ROUTES.paymentsList.pattern)
  list(@Payload() req: ListPaymentsRequest): Promise<PaymentListResponse> {
    return this.lifecycle.list(req);
  }

  @MessagePattern(ROUTES.paymentsCapture.pattern)
  capture(@Payload() req: CapturePaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.lifecycle.capture(req);
  }

  @MessagePattern(ROUTES.paymentsCancel.pattern)
  cancel(@Payload() req: CancelPaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.lifecycle.cancel(req);
  }

  @MessagePattern(ROUTES.paymentsReview.pattern)
  review(@Payload() req: ReviewPaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.lifecycle.review(req);
  }

  @MessagePattern(ROUTES.paymentsRefund.pattern)
  refund(@Payload() req: RefundPaymentRequest): Promise<HttpOutcome<RefundDto>> {
    return this.lifecycle.refund(req);
  }

  @MessagePattern(ROUTES.paymentsRefunds.pattern)
  refunds(@Payload() req: PaymentIdRequest): Promise<RefundListResponse> {
    return this.lifecycle.refunds(req.id);
  }

  @MessagePattern(ROUTES.paymentsEvents.pattern)
  events(@Payload() req: ListEventsRequest): Promise<EventListResponse> {
    return this.lifecycle.events(req);
  }
}
