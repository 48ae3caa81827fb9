import { Injectable } from '@nestjs/common';
import {
  AccountListResponse,
  AccountResponse,
  CaptureHoldRequest,
  EntryListResponse,
  HoldStateResponse,
  ListAccountsRequest,
  ListEntriesRequest,
  LookupRequest,
  LookupResponse,
  ReleaseHoldRequest,
  ReverseRequest,
  ReverseResponse,
  WithdrawalRequest,
  WithdrawalResponse,
  BalanceLine,
  BalanceResponse,
  CreateAccountRequest,
  DepositRequest,
  DepositResponse,
  DomainError,
  HoldRequest,
  HoldResponse,
  HttpOutcome,
  ResolveAccountsRequest,
  ResolveAccountsResponse,
  ResolvedAccount,
  TransferRequest,
  TransferResponse,
} from '@paygate/contracts';
import { formatAmount, parseAmount } from '@paygate/money';
import { crashPoint } from '@paygate/platform';
import { RequestContext } from '@paygate/transport';
import { HOUSE_PREFIX, LedgerRuleError } from './domain/ledger';
import { AccountRecord, HoldState, LedgerRefusal, LedgerRefused, LedgerRepository } from './persistence/ledger.repository';

/** The largest entry id there can be (PostgreSQL bigint). */
const MAX_ENTRY_ID = 9_223_372_036_854_775_807n;

/** The wallet's use cases; every one acts for the merchant of the request envelope. */
@Injectable()
export class WalletService {
  constructor(private readonly ledger: LedgerRepository) {}

  async balance(accountId: string): Promise<BalanceResponse> {
    const { merchantId } = RequestContext.require();
    // The wallet and its balances in one statement. Another merchant's wallet answers exactly like a missing one.
    const account = await this.ledger.accountBalances(merchantId, accountId);
    if (!account) throw accountNotFound(accountId);
    const rows = account.balances;
    const updated = rows.reduce<Date | undefined>((max, r) => (!max || r.updatedAt > max ? r.updatedAt : max), undefined);
    return {
      account_id: account.id,
      default_currency: account.defaultCurrency,
      balances: rows.map((r) => balanceLine(r.currency, r.ledgerMinor, r.heldMinor)),
      updated_at: (updated ?? new Date()).toISOString(),
    };
  }

  async createAccount(req: CreateAccountRequest): Promise<AccountResponse> {
    const { merchantId } = RequestContext.require();
    if (req.account_id.startsWith(HOUSE_PREFIX)) {
      throw validation('account_id', 'RESERVED_ID', `account ids starting with "${HOUSE_PREFIX}" are reserved`);
    }
    const defaultCurrency = req.default_currency ?? req.currencies[0];
    if (!req.currencies.includes(defaultCurrency)) {
      throw validation('default_currency', 'NOT_IN_CURRENCIES', `default_currency ${defaultCurrency} must be one of currencies`);
    }
    const created = await this.refusals(() =>
      this.ledger.createAccount(merchantId, {
        accountId: req.account_id,
        currencies: [...new Set(req.currencies)],
        defaultCurrency,
        allowOverdraft: req.allow_overdraft ?? false,
      }),
    );
    return accountResponse(created);
  }

  async account(accountId: string): Promise<AccountResponse> {
    const { merchantId } = RequestContext.require();
    const found = await this.ledger.findAccount(merchantId, accountId);
    if (!found) throw accountNotFound(accountId);
    return accountResponse(found);
  }

  async deposit(req: DepositRequest): Promise<HttpOutcome<DepositResponse>> {
    const { merchantId } = RequestContext.require();
    const minor = parseAmount(req.amount, req.currency);
    const d = await this.refusals(() => this.ledger.deposit(merchantId, req.reference, req.account_id, req.currency, minor));
    return {
      status: 201,
      replayed: d.replayed,
      body: {
        deposit_id: `jnl_${d.journalId}`,
        account_id: d.accountId,
        currency: d.currency,
        amount: formatAmount(d.minor, d.currency),
        reference: req.reference,
        balance: balanceLine(d.currency, d.ledgerMinor, d.heldMinor),
        created_at: d.createdAt.toISOString(),
      },
    };
  }

  /** Both wallets of a payment, or ACCOUNT_NOT_FOUND naming the missing one(s). */
  async resolve(req: ResolveAccountsRequest): Promise<ResolveAccountsResponse> {
    const { merchantId } = RequestContext.require();
    const found = await this.ledger.findAccounts(merchantId, [req.source_account, req.destination_account]);
    const missing = (['source_account', 'destination_account'] as const).filter((f) => !found.has(req[f]));
    if (missing.length > 0) {
      throw new DomainError(
        'ACCOUNT_NOT_FOUND',
        `No account ${missing.map((f) => req[f]).join(', ')}`,
        missing.map((f) => ({ field: f, reason: 'ACCOUNT_NOT_FOUND', message: `No account ${req[f]}` })),
      );
    }
    return { source: resolved(found.get(req.source_account)!), destination: resolved(found.get(req.destination_account)!) };
  }

  async transfer(req: TransferRequest): Promise<TransferResponse> {
    const { merchantId } = RequestContext.require();
    const posted = await this.refusals(() =>
      this.ledger.transfer(merchantId, req.reference, {
        sourceAccount: req.source_account,
        destinationAccount: req.destination_account,
        debit: { currency: req.debit.currency, minor: BigInt(req.debit.amount_minor) },
        credit: { currency: req.credit.currency, minor: BigInt(req.credit.amount_minor) },
        revenue: req.fx_revenue && { currency: req.fx_revenue.currency, minor: BigInt(req.fx_revenue.amount_minor) },
      }),
    );
    crashPoint('after_wallet_commit');
    return {
      journal_id: `jnl_${posted.journalId}`,
      reference: req.reference,
      replayed: posted.replayed,
      created_at: posted.createdAt.toISOString(),
    };
  }

  async hold(req: HoldRequest): Promise<HoldResponse> {
    const { merchantId } = RequestContext.require();
    const h = await this.refusals(() =>
      this.ledger.hold(
        merchantId,
        req.reference,
        req.account_id,
        req.amount.currency,
        BigInt(req.amount.amount_minor),
        req.expires_at ? new Date(req.expires_at) : undefined,
      ),
    );
    crashPoint('after_wallet_hold');
    return { hold_id: `hld_${h.journalId}`, reference: req.reference, replayed: h.replayed, created_at: h.createdAt.toISOString() };
  }

  async listAccounts(req: ListAccountsRequest): Promise<AccountListResponse> {
    const { merchantId } = RequestContext.require();
    const limit = req.limit ?? 20;
    const page = await this.ledger.listAccounts(merchantId, limit, req.starting_after);
    const data = page.accounts.map(accountResponse);
    return { data, has_more: page.hasMore, next_cursor: page.hasMore ? data[data.length - 1].account_id : null };
  }

  async setStatus(accountId: string, action: 'freeze' | 'unfreeze' | 'close'): Promise<AccountResponse> {
    const { merchantId } = RequestContext.require();
    return accountResponse(await this.refusals(() => this.ledger.setStatus(merchantId, accountId, action)));
  }

  async withdraw(req: WithdrawalRequest): Promise<HttpOutcome<WithdrawalResponse>> {
    const { merchantId } = RequestContext.require();
    const minor = parseAmount(req.amount, req.currency);
    const w = await this.refusals(() => this.ledger.withdraw(merchantId, req.reference, req.account_id, req.currency, minor));
    return {
      status: 201,
      replayed: w.replayed,
      body: {
        withdrawal_id: `jnl_${w.journalId}`,
        account_id: w.accountId,
        currency: w.currency,
        amount: formatAmount(w.minor, w.currency),
        reference: req.reference,
        balance: balanceLine(w.currency, w.ledgerMinor, w.heldMinor),
        created_at: w.createdAt.toISOString(),
      },
    };
  }

  async entries(req: ListEntriesRequest): Promise<EntryListResponse> {
    const { merchantId } = RequestContext.require();
    if (!(await this.ledger.findAccount(merchantId, req.account_id))) throw accountNotFound(req.account_id);
    const limit = req.limit ?? 20;
    const before = req.starting_after ? BigInt(req.starting_after.slice(4)) : undefined;
    // The pattern allows 19 digits; beyond PostgreSQL's bigint no entry id can be (the cast would fail).
    if (before !== undefined && before > MAX_ENTRY_ID) {
      throw validation('starting_after', 'matches', 'starting_after must be an entry id (ent_…)');
    }
    const page = await this.ledger.entries(merchantId, req.account_id, limit, before, req.currency);
    const data = page.entries.map((e) => ({
      entry_id: `ent_${e.id}`,
      journal_id: `jnl_${e.journalId}`,
      kind: e.kind,
      reference: e.reference,
      currency: e.currency,
      amount: formatAmount(e.amountMinor, e.currency),
      balance_after: formatAmount(e.balanceAfterMinor, e.currency),
      created_at: e.createdAt.toISOString(),
    }));
    return { data, has_more: page.hasMore, next_cursor: page.hasMore ? data[data.length - 1].entry_id : null };
  }

  async captureHold(req: CaptureHoldRequest): Promise<HoldStateResponse> {
    const { merchantId } = RequestContext.require();
    const h = await this.refusals(() =>
      this.ledger.captureHold(
        merchantId,
        req.hold_reference,
        req.reference,
        req.destination_account,
        req.amount_minor === undefined ? undefined : BigInt(req.amount_minor),
        { currency: req.credit.currency, minor: BigInt(req.credit.amount_minor) },
        req.fx_revenue && { currency: req.fx_revenue.currency, minor: BigInt(req.fx_revenue.amount_minor) },
      ),
    );
    return holdState(h);
  }

  async releaseHold(req: ReleaseHoldRequest): Promise<HoldStateResponse> {
    const { merchantId } = RequestContext.require();
    return holdState(await this.refusals(() => this.ledger.releaseHold(merchantId, req.hold_reference)));
  }

  async reverse(req: ReverseRequest): Promise<ReverseResponse> {
    const { merchantId } = RequestContext.require();
    const r = await this.refusals(() => this.ledger.reverse(merchantId, req.reference, req.original_reference, BigInt(req.credit_minor)));
    return {
      journal_id: `jnl_${r.journalId}`,
      reference: req.reference,
      replayed: r.replayed,
      debit_back: { currency: r.debitBack.currency, amount_minor: r.debitBack.minor.toString() },
      credit_back: { currency: r.creditBack.currency, amount_minor: r.creditBack.minor.toString() },
    };
  }

  async lookup(req: LookupRequest): Promise<LookupResponse> {
    const { merchantId } = RequestContext.require();
    const r = await this.ledger.lookup(merchantId, req.journal_references, req.hold_references);
    return {
      journals: r.journals.map((j) => ({ reference: j.reference, journal_id: `jnl_${j.id}` })),
      holds: r.holds.map((h) => ({ reference: h.reference, status: h.status, amount_minor: h.amount_minor })),
    };
  }

  /** Maps the ledger's refusals to the one error model. */
  private async refusals<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LedgerRuleError) throw validation(undefined, 'LEDGER_RULE', err.message);
      if (err instanceof LedgerRefused) throw refusalError(err.refusal);
      throw err;
    }
  }
}

function refusalError(r: LedgerRefusal): DomainError {
  switch (r.kind) {
    case 'ACCOUNT_NOT_FOUND':
      return accountNotFound(r.accountId);
    case 'ACCOUNT_INACTIVE':
      return new DomainError(r.status === 'closed' ? 'ACCOUNT_CLOSED' : 'ACCOUNT_FROZEN', `Account ${r.accountId} is ${r.status}`);
    case 'ACCOUNT_EXISTS':
      return new DomainError('ACCOUNT_EXISTS', `Account ${r.accountId} already exists`);
    case 'ACCOUNT_NOT_EMPTY':
      return new DomainError('ACCOUNT_NOT_EMPTY', `Account ${r.accountId} still has money or holds: empty it before closing`);
    case 'REFERENCE_REUSED':
      return new DomainError('IDEMPOTENCY_KEY_REUSED', `Reference ${r.reference} was already used for a different operation`);
    case 'HOLD_NOT_FOUND':
      return new DomainError('HOLD_NOT_FOUND', `No hold ${r.reference}`);
    case 'HOLD_NOT_ACTIVE':
      return new DomainError('HOLD_NOT_ACTIVE', `Hold ${r.reference} is ${r.status}`);
    case 'AMOUNT_EXCEEDS_HOLD':
      return new DomainError('AMOUNT_EXCEEDS_HOLD', `Hold ${r.reference} holds ${r.heldMinor}, ${r.requestedMinor} requested`);
    case 'TRANSFER_NOT_FOUND':
      return new DomainError('TRANSFER_NOT_FOUND', `No transfer ${r.reference}`);
    case 'REVERSAL_EXCEEDS_ORIGINAL':
      return new DomainError(
        'REVERSAL_EXCEEDS_ORIGINAL',
        `Only ${r.remainingMinor} of transfer ${r.reference} is left to reverse, ${r.requestedMinor} requested`,
      );
    case 'INSUFFICIENT_FUNDS': {
      const available = formatAmount(r.availableMinor, r.currency);
      const required = formatAmount(r.requiredMinor, r.currency);
      return new DomainError(
        'INSUFFICIENT_FUNDS',
        `Account ${r.accountId} has ${available} ${r.currency} available, ${required} required`,
        [
          {
            reason: 'INSUFFICIENT_FUNDS',
            message: 'available is less than required',
            account_id: r.accountId,
            currency: r.currency,
            available,
            required,
          },
        ],
      );
    }
  }
}

function holdState(h: HoldState): HoldStateResponse {
  return {
    hold_id: `hld_${h.id}`,
    reference: h.reference,
    status: h.status,
    amount_minor: h.amountMinor.toString(),
    captured_minor: h.capturedMinor.toString(),
    replayed: h.replayed ?? false,
  };
}

function balanceLine(currency: string, ledger: bigint, held: bigint): BalanceLine {
  return {
    currency,
    available: formatAmount(ledger - held, currency),
    ledger: formatAmount(ledger, currency),
    held: formatAmount(held, currency),
  };
}

function accountResponse(a: AccountRecord): AccountResponse {
  return {
    account_id: a.id,
    status: a.status,
    default_currency: a.defaultCurrency,
    currencies: a.currencies,
    allow_overdraft: a.allowOverdraft,
    created_at: a.createdAt.toISOString(),
  };
}

function resolved(a: AccountRecord): ResolvedAccount {
  return { account_id: a.id, status: a.status, default_currency: a.defaultCurrency, currencies: a.currencies };
}

function accountNotFound(accountId: string): DomainError {
  return new DomainError('ACCOUNT_NOT_FOUND', `No account ${accountId}`);
}

function validation(field: string | undefined, reason: string, message: string): DomainError {
  return new DomainError('VALIDATION_ERROR', message, [{ ...(field ? { field } : {}), reason, message }]);
}
