import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount } from './validators';
import { ACCOUNT_ID_PATTERN } from './wallet';

export const PAYMENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const RISK_DECISIONS = ['APPROVE', 'REVIEW', 'DECLINE'] as const;
export type RiskDecisionName = (typeof RISK_DECISIONS)[number];

export class ScoreRequest {
  @ApiProperty({ example: 'ACC_001', description: 'The paying account' })
  @Matches(ACCOUNT_ID_PATTERN, { message: 'account must be 1-64 characters of A-Z, a-z, 0-9, _ . : -' })
  account!: string;

  @ApiProperty({ example: '999.99', description: "Decimal amount (JSON number or string), at most the currency's decimals" })
  @IsMoneyAmount({ currencyField: 'currency' })
  amount!: string;

  @ApiProperty({ example: 'USD' })
  @IsCurrencyCode()
  currency!: string;

  @ApiProperty({ example: 'ACC_DST_DEF', required: false, description: 'The receiving account, for destination features' })
  @IsOptional()
  @Matches(ACCOUNT_ID_PATTERN, { message: 'destination must be 1-64 characters of A-Z, a-z, 0-9, _ . : -' })
  destination?: string;

  @ApiProperty({
    example: 'USD',
    required: false,
    description:
      "The currency of the payer's funds (the debit currency), for the corridor feature `source_currency>currency`; without it the corridor's source is unknown",
  })
  @IsOptional()
  @IsCurrencyCode()
  source_currency?: string;

  @ApiProperty({
    example: 'PAY-001',
    required: false,
    description: 'With a payment id the decision is recorded once (retries return it, velocity counts it once); without, a dry run',
  })
  @IsOptional()
  @Matches(PAYMENT_ID_PATTERN, { message: 'payment_id must be 1-64 characters of A-Z, a-z, 0-9, _ . : -' })
  payment_id?: string;
}

export class RiskReasonDto {
  @ApiProperty({ example: 'HIGH_AMOUNT' }) code!: string;
  @ApiProperty({ example: 50 }) weight!: number;
  @ApiProperty({ example: 'amount 6,000.00 USD is at least 5,000.00 USD' }) detail!: string;
}

export class ScoreResponse {
  @ApiProperty({ example: 0, minimum: 0, maximum: 100 }) score!: number;
  @ApiProperty({ example: 'APPROVE', enum: RISK_DECISIONS }) decision!: RiskDecisionName;
  @ApiProperty({ type: [RiskReasonDto] }) reasons!: RiskReasonDto[];
  @ApiProperty({ example: '2026-11-25.1' }) rules_version!: string;
}
