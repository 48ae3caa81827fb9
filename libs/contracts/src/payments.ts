import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsOptional, Matches } from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount } from './validators';
import { ACCOUNT_ID_PATTERN } from './wallet';
import { PAYMENT_ID_PATTERN, RISK_DECISIONS, RiskDecisionName, RiskReasonDto } from './risk';
import { IsMetadata } from './metadata';

export const PAYMENT_STATUSES = ['PROCESSING', 'CAPTURED', 'AUTHORIZED', 'PENDING', 'FAILED'] as const;
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
  @ApiProperty({ example: { order_id: '6735' } }) metadata!: Record<string, string>;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) updated_at!: string;
}
