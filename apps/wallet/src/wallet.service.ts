import { Injectable } from '@nestjs/common';
import { BalanceResponse, DomainError } from '@paygate/contracts';
import { formatAmount } from '@paygate/money';
import { RequestContext } from '@paygate/transport';
import { WalletRepository } from './persistence/wallet.repository';

@Injectable()
export class WalletService {
  constructor(private readonly repo: WalletRepository) {}

  async balance(accountId: string): Promise<BalanceResponse> {
    const { merchantId } = RequestContext.require();
    const account = await this.repo.findAccount(merchantId, accountId);
    // Another merchant's wallet answers exactly like a missing one.
    if (!account) throw new DomainError('ACCOUNT_NOT_FOUND', `No account ${accountId}`);
    const rows = await this.repo.balancesOf(merchantId, accountId);
    const updated = rows.reduce<Date | undefined>((max, r) => (!max || r.updatedAt > max ? r.updatedAt : max), undefined);
    return {
      account_id: account.id,
      default_currency: account.defaultCurrency,
      balances: rows.map((r) => ({
        currency: r.currency,
        available: formatAmount(r.ledgerMinor - r.heldMinor, r.currency),
        ledger: formatAmount(r.ledgerMinor, r.currency),
        held: formatAmount(r.heldMinor, r.currency),
      })),
      updated_at: (updated ?? new Date()).toISOString(),
    };
  }
}
