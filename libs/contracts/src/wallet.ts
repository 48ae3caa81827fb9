import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsOptional,
  Matches,
  ValidateNested,
} from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount, PageLimit } from './validators';

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
  /** When the hold lapses on its own (released by the wallet's expiry sweep). */
  @IsOptional() @IsISO8601({ strict: true }) expires_at?: string;
}

export class HoldResponse {
  hold_id!: string;
  reference!: string;
  replayed!: boolean;
  created_at!: string;
}

export class ListAccountsRequest {
  @PageLimit()
  limit?: number;

  @ApiProperty({ required: false, example: 'ACC_001', description: 'Cursor: the `next_cursor` of the previous page' })
  @IsOptional()
  @Matches(ACCOUNT_ID_PATTERN, { message: 'starting_after must be an account id' })
  starting_after?: string;
}

export class AccountListResponse {
  @ApiProperty({ type: [AccountResponse] }) data!: AccountResponse[];
  @ApiProperty({ example: true }) has_more!: boolean;
  @ApiProperty({ example: 'ACC_SRC_0019', nullable: true, type: String }) next_cursor!: string | null;
}

/** `POST /accounts/{id}/freeze|unfreeze|close`. */
export class AccountActionRequest extends GetBalanceRequest {}

export class WithdrawalRequest extends DepositRequest {}

export class WithdrawalResponse {
  @ApiProperty({ example: 'jnl_43' }) withdrawal_id!: string;
  @ApiProperty({ example: 'ACC_NEW_001' }) account_id!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '50.00' }) amount!: string;
  @ApiProperty({ example: 'WD-2026-0001' }) reference!: string;
  @ApiProperty({ type: BalanceLine, description: 'The balance after the withdrawal' }) balance!: BalanceLine;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

export class ListEntriesRequest extends ListAccountsRequest {
  @ApiProperty({ example: 'ACC_001', description: 'Wallet account id' })
  @Matches(ACCOUNT_ID_PATTERN, { message: `account_id ${ACCOUNT_ID_MESSAGE}` })
  account_id!: string;

  @ApiProperty({
    required: false,
    example: 'ent_120',
    description: 'Cursor: the `next_cursor` of the previous page (entries go newest first)',
  })
  @IsOptional()
  @Matches(/^ent_[0-9]{1,19}$/, { message: 'starting_after must be an entry id (ent_…)' })
  declare starting_after?: string;

  @ApiProperty({ required: false, example: 'USD', description: 'Only entries in this currency' })
  @IsOptional()
  @IsCurrencyCode()
  currency?: string;
}

export class EntryDto {
  @ApiProperty({ example: 'ent_120' }) entry_id!: string;
  @ApiProperty({ example: 'jnl_57' }) journal_id!: string;
  @ApiProperty({ example: 'transfer', enum: ['deposit', 'withdrawal', 'transfer', 'reversal', 'capture'] }) kind!: string;
  @ApiProperty({ example: 'transfer:payment:PAY-001:capture', description: 'The operation’s idempotency reference' }) reference!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '-123.45', description: 'Signed: credit +, debit −' }) amount!: string;
  @ApiProperty({ example: '99876.55', description: 'The ledger balance of this currency after the entry' }) balance_after!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

export class EntryListResponse {
  @ApiProperty({ type: [EntryDto] }) data!: EntryDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

/** Internal: capture a hold, fully or partly; the rest of it is released. Idempotent on `reference`. */
export class CaptureHoldRequest {
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) hold_reference!: string;
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) reference!: string;
  @Matches(ACCOUNT_ID_PATTERN) destination_account!: string;
  /** What to take from the hold (its currency); default all of it. */
  @IsOptional() @Matches(/^[1-9][0-9]{0,18}$/) amount_minor?: string;
  @ValidateNested() @Type(() => MinorAmount) credit!: MinorAmount;
  @IsOptional() @ValidateNested() @Type(() => MinorAmount) fx_revenue?: MinorAmount;
}

/** Internal: release a hold (idempotent). */
export class ReleaseHoldRequest {
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) hold_reference!: string;
}

export class HoldStateResponse {
  hold_id!: string;
  reference!: string;
  status!: 'active' | 'captured' | 'released' | 'expired';
  amount_minor!: string;
  captured_minor!: string;
  replayed!: boolean;
}

/**
 * Internal: reverse (part of) a transfer, at its original rate: `credit_minor` of what the
 * destination received goes back; the source gets the proportional share of what it paid.
 */
export class ReverseRequest {
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) reference!: string;
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) original_reference!: string;
  @Matches(/^[1-9][0-9]{0,18}$/) credit_minor!: string;
}

export class ReverseResponse {
  journal_id!: string;
  reference!: string;
  replayed!: boolean;
  /** What went back to the source, in the original debit currency. */
  debit_back!: MinorAmount;
  credit_back!: MinorAmount;
}

/** Internal: what the wallet has posted under some references (for payments' recovery). */
export class LookupRequest {
  @IsArray() @ArrayMaxSize(100) @Matches(/^[A-Za-z0-9_.:-]{1,160}$/, { each: true }) journal_references!: string[];
  @IsArray() @ArrayMaxSize(100) @Matches(/^[A-Za-z0-9_.:-]{1,160}$/, { each: true }) hold_references!: string[];
}

export class LookupResponse {
  journals!: Array<{ reference: string; journal_id: string }>;
  holds!: Array<{ reference: string; status: string; amount_minor: string }>;
}
