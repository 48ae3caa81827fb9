import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export class GetBalanceRequest {
  @ApiProperty({ example: 'ACC_001', description: 'Wallet account id' })
  @Matches(ACCOUNT_ID_PATTERN, { message: 'account_id must be 1-64 characters of A-Z, a-z, 0-9, _ . : -' })
  account_id!: string;
}

export class BalanceLine {
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '1000.00', description: 'ledger − held' }) available!: string;
  @ApiProperty({ example: '1000.00', description: 'Sum of posted entries' }) ledger!: string;
  @ApiProperty({ example: '0.00', description: 'Amount on hold' }) held!: string;
}

export class BalanceResponse {
  @ApiProperty({ example: 'ACC_001' }) account_id!: string;
  @ApiProperty({ example: 'USD' }) default_currency!: string;
  @ApiProperty({ type: [BalanceLine] }) balances!: BalanceLine[];
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) updated_at!: string;
}
