import { Injectable } from '@nestjs/common';
import {
  AccountResponse,
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
import { RequestContext } from '@paygate/transport';
import { HOUSE_PREFIX, LedgerRuleError } from './domain/ledger';
import { AccountRecord, LedgerRefused, LedgerRepository } from './persistence/ledger.repository';

/** The wallet's use cases; every one acts for the merchant of the request envelope. */
@Injectable()
export class WalletService {
  constructor(private readonly ledger: LedgerRepository) {}

  async balance(accountId: string): Promise<BalanceResponse> {
    const { merchantId } = RequestContext.require();
    const account = await this.ledger.findAccount(merchantId, accountId);
    // Another merchant's wallet answers exactly like a missing one.
    if (!account) throw accountNotFound(accountId);
    const rows = await this.ledger.balancesOf(merchantId, accountId);
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
      this.ledger.hold(merchantId, req.reference, req.account_id, req.amount.currency, BigInt(req.amount.amount_minor)),
    );
    return { hold_id: `hld_${h.journalId}`, reference: req.reference, replayed: h.replayed, created_at: h.createdAt.toISOString() };
  }

  /** Maps the ledger's refusals to the one error model. */
  private async refusals<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LedgerRuleError) throw validation(undefined, 'LEDGER_RULE', err.message);
      if (!(err instanceof LedgerRefused)) throw err;
      const r = err.refusal;
      switch (r.kind) {
        case 'ACCOUNT_NOT_FOUND':
          throw accountNotFound(r.accountId);
        case 'ACCOUNT_INACTIVE':
          throw new DomainError(r.status === 'closed' ? 'ACCOUNT_CLOSED' : 'ACCOUNT_FROZEN', `Account ${r.accountId} is ${r.status}`);
        case 'ACCOUNT_EXISTS':
          throw new DomainError('ACCOUNT_EXISTS', `Account ${r.accountId} already exists`);
        case 'REFERENCE_REUSED':
          throw new DomainError('IDEMPOTENCY_KEY_REUSED', `Reference ${r.reference} was already used for a different operation`);
        case 'INSUFFICIENT_FUNDS': {
          const available = formatAmount(r.availableMinor, r.currency);
          const required = formatAmount(r.requiredMinor, r.currency);
          throw new DomainError(
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
  }
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
