import { Injectable } from '@nestjs/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import { Db, InjectDb } from '@paygate/database';
import { accounts, balances } from './schema';

export interface AccountRow {
  id: string;
  defaultCurrency: string;
  status: string;
}

export interface BalanceRow {
  currency: string;
  ledgerMinor: bigint;
  heldMinor: bigint;
  updatedAt: Date;
}

export interface OpeningBalance {
  accountId: string;
  defaultCurrency: string;
  funds: Array<{ currency: string; minor: bigint }>;
}

export const SETTLEMENT_ACCOUNT = 'house:settlement';

/** Persistence of wallets: owns the `wallet` schema. Every query is scoped by merchant. */
@Injectable()
export class WalletRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  async findAccount(merchantId: string, accountId: string): Promise<AccountRow | undefined> {
    const rows = await this.db
      .select({ id: accounts.id, defaultCurrency: accounts.defaultCurrency, status: accounts.status })
      .from(accounts)
      .where(and(eq(accounts.merchantId, merchantId), eq(accounts.id, accountId), eq(accounts.kind, 'wallet')));
    return rows[0];
  }

  async balancesOf(merchantId: string, accountId: string): Promise<BalanceRow[]> {
    return this.db
      .select({
        currency: balances.currency,
        ledgerMinor: balances.ledgerMinor,
        heldMinor: balances.heldMinor,
        updatedAt: balances.updatedAt,
      })
      .from(balances)
      .where(and(eq(balances.merchantId, merchantId), eq(balances.accountId, accountId)))
      .orderBy(asc(balances.currency));
  }

  /**
   * Opens wallets funded from the house settlement account, each funding one balanced journal
   * (reference `opening:<account>:<currency>`), in one transaction; idempotent: wallets that
   * already exist are left as they are.
   */
  async openFunded(merchantId: string, opening: OpeningBalance[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .insert(accounts)
        .values({ merchantId, id: SETTLEMENT_ACCOUNT, kind: 'house', defaultCurrency: 'EUR', allowOverdraft: true })
        .onConflictDoNothing();
      for (const o of opening) {
        const created = await tx
          .insert(accounts)
          .values({ merchantId, id: o.accountId, defaultCurrency: o.defaultCurrency })
          .onConflictDoNothing()
          .returning({ id: accounts.id });
        if (created.length === 0) continue;
        for (const f of o.funds) {
          await tx.execute(sql`
            with j as (
              insert into wallet.journals (merchant_id, kind, reference)
              values (${merchantId}, 'deposit', ${`opening:${o.accountId}:${f.currency}`})
              returning id
            )
            insert into wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
            select j.id, ${merchantId}, ${SETTLEMENT_ACCOUNT}, ${f.currency}, ${-f.minor}::bigint, null::bigint from j
            union all
            select j.id, ${merchantId}, ${o.accountId}, ${f.currency}, ${f.minor}::bigint, ${f.minor}::bigint from j`);
          await tx
            .insert(balances)
            .values({ merchantId, accountId: o.accountId, currency: f.currency, ledgerMinor: f.minor })
            .onConflictDoNothing();
          await tx
            .insert(balances)
            .values({ merchantId, accountId: SETTLEMENT_ACCOUNT, currency: f.currency, ledgerMinor: -f.minor })
            .onConflictDoUpdate({
              target: [balances.merchantId, balances.accountId, balances.currency],
              set: { ledgerMinor: sql`${balances.ledgerMinor} - ${f.minor}`, updatedAt: sql`now()` },
            });
        }
      }
    });
  }
}
