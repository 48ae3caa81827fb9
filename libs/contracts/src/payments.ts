import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount, PageLimit } from './validators';
import { ACCOUNT_ID_PATTERN } from './wallet';
import { PAYMENT_ID_PATTERN, RISK_DECISIONS, RiskDecisionName, RiskReasonDto } from './risk';
import { IsMetadata } from './metadata';

export const PAYMENT_STATUSES = [
  'PROCESSING',
  'CAPTURED',
  'AUTHORIZED',
  'PENDING',
  'FAILED',
  'CANCELED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Why a payment failed: a business decline, stored and replayed (an outage is a 503 instead). */
export const PAYMENT_FAILURE_CODES = [
  'INSUFFICIENT_FUNDS',
  'RISK_DECLINED',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_FROZEN',
  'ACCOUNT_CLOSED',
  'RATE_UNAVAILABLE',
  'AMOUNT_TOO_SMALL',
] as const;
export type PaymentFailureCode = (typeof PAYMENT_FAILURE_CODES)[number];

const ID_RULE = '1-64 characters of A-Z, a-z, 0-9, _ . : -';

export class CreatePaymentRequest {
  @ApiProperty({
    example: 'PAY-001',
    description: `Your payment id, unique forever per merchant (${ID_RULE}); also the default idempotency key`,
  })
  @Matches(PAYMENT_ID_PATTERN, { message: `id must be ${ID_RULE}` })
  id!: string;

  @ApiProperty({ example: 'USD', description: 'The currency the destination receives' })
  @IsCurrencyCode()
  currency!: string;

  @ApiProperty({ example: 123.45, description: "JSON number or decimal string, > 0, at most the currency's decimals" })
  @IsMoneyAmount({ currencyField: 'currency' })
  amount!: string;

  @ApiProperty({ example: 'ACC_SRC_ABC' })
  @Matches(ACCOUNT_ID_PATTERN, { message: `source_account must be ${ID_RULE}` })
  source_account!: string;

  @ApiProperty({ example: 'ACC_DST_DEF' })
  @Matches(ACCOUNT_ID_PATTERN, { message: `destination_account must be ${ID_RULE}` })
  destination_account!: string;

  @ApiProperty({
    required: false,
    example: 'qt_5f0c6a2e9b1d4c7a',
    description: 'A firm quote (POST /quotes) from the payment currency to the source’s debit currency: the conversion uses its rate',
  })
  @IsOptional()
  @Matches(/^qt_[A-Za-z0-9]{1,64}$/, { message: 'quote_id must be a quote id (qt_…)' })
  quote_id?: string;

  @ApiProperty({
    required: false,
    default: true,
    example: true,
    description: 'false: authorize only (funds on hold, status AUTHORIZED) and capture later with POST /payments/{id}/capture',
  })
  @IsOptional()
  @IsBoolean()
  capture?: boolean;

  @ApiProperty({
    required: false,
    example: { order_id: '6735' },
    description: 'Up to 20 string keys (≤ 40 chars) with string values (≤ 500 chars)',
  })
  @IsOptional()
  @IsObject()
  @IsMetadata()
  metadata?: Record<string, string>;
}

export class GetPaymentRequest {
  @ApiProperty({ example: 'PAY-001' })
  @Matches(PAYMENT_ID_PATTERN, { message: `id must be ${ID_RULE}` })
  id!: string;
}

export class AmountDto {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '123.45' }) amount!: string;
}

export class PaymentFxDto {
  @ApiProperty({ example: '0.963496669868', description: 'Units of the debit currency charged per unit of the payment currency (the ask)' })
  rate!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) quote_id!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) conversion_id!: string | null;
  @ApiProperty({ example: '2024-12-31T15:00:00.000Z' }) as_of!: string;
}

export class PaymentRiskDto {
  @ApiProperty({ example: 5 }) score!: number;
  @ApiProperty({ example: 'APPROVE', enum: RISK_DECISIONS }) decision!: RiskDecisionName;
  @ApiProperty({ type: [RiskReasonDto] }) reasons!: RiskReasonDto[];
}

export class PaymentFailureDetailsDto {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '100.00' }) available!: string;
  @ApiProperty({ example: '123.45' }) required!: string;
}

export class PaymentDto {
  @ApiProperty({ example: 'PAY-001' }) id!: string;
  @ApiProperty({ example: 'CAPTURED', enum: PAYMENT_STATUSES }) status!: PaymentStatus;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '123.45' }) amount!: string;
  @ApiProperty({ example: 'ACC_SRC_ABC' }) source_account!: string;
  @ApiProperty({ example: 'ACC_DST_DEF' }) destination_account!: string;
  @ApiProperty({ type: AmountDto, nullable: true, description: 'What left the source (null when no money was to move)' })
  debit!: AmountDto | null;
  @ApiProperty({ type: AmountDto, nullable: true, description: 'What the destination receives' }) credit!: AmountDto | null;
  @ApiProperty({ type: PaymentFxDto, nullable: true, description: 'The conversion, when the debit is in another currency' })
  fx!: PaymentFxDto | null;
  @ApiProperty({ type: PaymentRiskDto, nullable: true, description: 'Null when the payment failed before scoring' })
  risk!: PaymentRiskDto | null;
  @ApiProperty({ example: null, nullable: true, enum: PAYMENT_FAILURE_CODES }) failure_code!: PaymentFailureCode | null;
  @ApiProperty({ example: null, nullable: true, type: String }) failure_message!: string | null;
  @ApiProperty({ type: PaymentFailureDetailsDto, nullable: true, description: 'For INSUFFICIENT_FUNDS: what was available and required' })
  failure_details!: PaymentFailureDetailsDto | null;
  @ApiProperty({ example: 'automatic', enum: ['automatic', 'manual'] }) capture_method!: 'automatic' | 'manual';
  @ApiProperty({ example: '123.45', nullable: true, type: String, description: 'What was captured (payment currency)' }) amount_captured!:
    string | null;
  @ApiProperty({ example: '0.00', description: 'What has been refunded of it' }) amount_refunded!: string;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'AUTHORIZED: canceled unless captured by then; PENDING: review deadline',
  })
  expires_at!: string | null;
  @ApiProperty({ example: { order_id: '6735' } }) metadata!: Record<string, string>;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) updated_at!: string;
}

export class PaymentIdRequest {
  @ApiProperty({ example: 'PAY-001' })
  @Matches(PAYMENT_ID_PATTERN, { message: `id must be ${ID_RULE}` })
  id!: string;
}

export class CapturePaymentRequest extends PaymentIdRequest {
  @ApiProperty({
    required: false,
    example: '100.00',
    description: 'Default: all that is authorized; less captures in part and releases the rest',
  })
  @IsOptional()
  @IsMoneyAmount({ currencyField: '__currency' })
  amount?: string;
}

export class CancelPaymentRequest extends PaymentIdRequest {}

export class ReviewPaymentRequest extends PaymentIdRequest {
  @ApiProperty({ enum: ['approve', 'decline'], example: 'approve' })
  @IsIn(['approve', 'decline'])
  action!: 'approve' | 'decline';

  @ApiProperty({ required: false, example: 'customer verified by phone' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class RefundPaymentRequest extends PaymentIdRequest {
  @ApiProperty({ required: false, example: '20.00', description: 'Default: all that is left to refund' })
  @IsOptional()
  @IsMoneyAmount({ currencyField: '__currency' })
  amount?: string;

  @ApiProperty({ required: false, example: 'requested_by_customer' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class RefundDto {
  @ApiProperty({ example: 're_5f0c6a2e9b1d4c7a' }) refund_id!: string;
  @ApiProperty({ example: 'PAY-001' }) payment_id!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '20.00' }) amount!: string;
  @ApiProperty({ type: AmountDto, nullable: true, description: 'What went back to the source, at the payment’s original rate' })
  debit_back!: AmountDto | null;
  @ApiProperty({ example: 'succeeded', enum: ['pending', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) failure_code!: string | null;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

export class RefundListResponse {
  @ApiProperty({ type: [RefundDto] }) data!: RefundDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

export class ListPaymentsRequest {
  @ApiProperty({ required: false, example: 'ACC_SRC_ABC', description: 'Payments from or to this account' })
  @IsOptional()
  @Matches(ACCOUNT_ID_PATTERN, { message: `account must be ${ID_RULE}` })
  account?: string;

  @PageLimit()
  limit?: number;

  @ApiProperty({ required: false, example: 'pay_cursor', description: 'Cursor: the `next_cursor` of the previous page (newest first)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  starting_after?: string;
}

export class PaymentListResponse {
  @ApiProperty({ type: [PaymentDto] }) data!: PaymentDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

/** The JetStream stream payment events are relayed to, and its subjects (`payments.payment.<status>`). */
export const PAYMENTS_STREAM = { name: 'PAYMENTS', subjects: ['payments.payment.>'] } as const;

export class EventDto {
  @ApiProperty({ example: 'evt_42' }) id!: string;
  @ApiProperty({ example: 'payment.captured' }) type!: string;
  @ApiProperty({ example: 'PAY-001' }) payment_id!: string;
  @ApiProperty({ example: 'PROCESSING', nullable: true, type: String }) from_status!: string | null;
  @ApiProperty({ example: 'CAPTURED' }) to_status!: string;
  @ApiProperty({ example: 'captured' }) reason!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.050Z', nullable: true, type: String, description: 'When the outbox relay published it' })
  published_at!: string | null;
}

export class ListEventsRequest {
  @ApiProperty({ required: false, example: 'PAY-001', description: 'Only this payment’s events' })
  @IsOptional()
  @Matches(PAYMENT_ID_PATTERN, { message: `payment_id must be ${ID_RULE}` })
  payment_id?: string;

  @PageLimit()
  limit?: number;

  @ApiProperty({ required: false, example: 'evt_40', description: 'Cursor: the `next_cursor` of the previous page (newest first)' })
  @IsOptional()
  @Matches(/^evt_[0-9]{1,18}$/, { message: 'starting_after must be an event id (evt_…)' })
  starting_after?: string;
}

export class EventListResponse {
  @ApiProperty({ type: [EventDto] }) data!: EventDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}
