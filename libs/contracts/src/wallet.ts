import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsOptional, Matches, ValidateNested } from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount } from './validators';

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

const ACCOUNT_ID_MESSAGE = 'must be 1-64 characters of A-Z, a-z, 0-9, _ . : -';

export class GetAccountRequest extends GetBalanceRequest {}

export class CreateAccountRequest {
  @ApiProperty({ example: 'ACC_NEW_001', description: 'Your id for the wallet (unique per merchant)' })
  @Matches(ACCOUNT_ID_PATTERN, { message: `account_id ${ACCOUNT_ID_MESSAGE}` })
  account_id!: string;

  @ApiProperty({ example: ['USD', 'IDR'], description: 'Currencies to open a balance in (1-20, ISO 4217)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsCurrencyCode({ each: true, message: 'currencies must hold ISO 4217 currency codes (e.g. USD)' })
  currencies!: string[];

  @ApiProperty({ example: 'USD', required: false, description: 'Defaults to the first of `currencies`; must be one of them' })
  @IsOptional()
  @IsCurrencyCode()
  default_currency?: string;

  @ApiProperty({ example: false, required: false, default: false, description: 'Whether balances may go below zero' })
  @IsOptional()
  @IsBoolean()
  allow_overdraft?: boolean;
}

export class AccountResponse {
  @ApiProperty({ example: 'ACC_NEW_001' }) account_id!: string;
  @ApiProperty({ example: 'active', enum: ['active', 'frozen', 'closed'] }) status!: string;
  @ApiProperty({ example: 'USD' }) default_currency!: string;
  @ApiProperty({ example: ['IDR', 'USD'] }) currencies!: string[];
  @ApiProperty({ example: false }) allow_overdraft!: boolean;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

export class DepositRequest {
  @ApiProperty({ example: 'ACC_NEW_001', description: 'Wallet account id' })
  @Matches(ACCOUNT_ID_PATTERN, { message: `account_id ${ACCOUNT_ID_MESSAGE}` })
  account_id!: string;

  @ApiProperty({ example: 'USD' })
  @IsCurrencyCode()
  currency!: string;

  @ApiProperty({ example: '250.00', description: "Decimal amount, at most the currency's decimals" })
  @IsMoneyAmount({ currencyField: 'currency' })
  amount!: string;

  @ApiProperty({ example: 'DEP-2026-0001', description: 'Your reference; a repeat with the same reference replays the deposit' })
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'reference must be 1-64 characters of A-Z, a-z, 0-9, _ . : -' })
  reference!: string;
}

export class DepositResponse {
  @ApiProperty({ example: 'jnl_42' }) deposit_id!: string;
  @ApiProperty({ example: 'ACC_NEW_001' }) account_id!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '250.00' }) amount!: string;
  @ApiProperty({ example: 'DEP-2026-0001' }) reference!: string;
  @ApiProperty({ type: BalanceLine, description: 'The balance after the deposit' }) balance!: BalanceLine;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

/** Internal (payments → wallet) amounts: integer minor units as decimal strings. */
export class MinorAmount {
  @IsCurrencyCode() currency!: string;
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'amount_minor must be a positive integer string' }) amount_minor!: string;
}

/** Internal: resolve the two wallets of a payment (their default currency and open balances). */
export class ResolveAccountsRequest {
  @Matches(ACCOUNT_ID_PATTERN) source_account!: string;
  @Matches(ACCOUNT_ID_PATTERN) destination_account!: string;
}

export class ResolvedAccount {
  account_id!: string;
  status!: string;
  default_currency!: string;
  currencies!: string[];
}

export class ResolveAccountsResponse {
  source!: ResolvedAccount;
  destination!: ResolvedAccount;
}

/**
 * Internal: move money between two wallets in one journal, idempotent on `reference`. The debit
 * and credit differ in currency when the payment converts; the journal then passes through the
 * house FX account (4 entries) so it still sums to zero per currency.
 */
export class TransferRequest {
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) reference!: string;
  @Matches(ACCOUNT_ID_PATTERN) source_account!: string;
  @Matches(ACCOUNT_ID_PATTERN) destination_account!: string;
  @ValidateNested() @Type(() => MinorAmount) debit!: MinorAmount;
  @ValidateNested() @Type(() => MinorAmount) credit!: MinorAmount;
  /** Cross-currency: the spread inside the debit, booked to the FX revenue account. */
  @IsOptional() @ValidateNested() @Type(() => MinorAmount) fx_revenue?: MinorAmount;
}

export class TransferResponse {
  journal_id!: string;
  reference!: string;
  /** True when the reference had already been applied: nothing moved this time. */
  replayed!: boolean;
  created_at!: string;
}

/** Internal: reserve funds on a wallet balance (`available` drops, `ledger` does not), idempotent on `reference`. */
export class HoldRequest {
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) reference!: string;
  @Matches(ACCOUNT_ID_PATTERN) account_id!: string;
  @ValidateNested() @Type(() => MinorAmount) amount!: MinorAmount;
}

export class HoldResponse {
  hold_id!: string;
  reference!: string;
  replayed!: boolean;
  created_at!: string;
}
