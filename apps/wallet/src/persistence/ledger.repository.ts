import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { Db, InjectDb, queryRows, retryTransaction } from '@paygate/database';
import { Leg, LedgerRuleError, Movement, depositLegs, transferLegs } from '../domain/ledger';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface AccountRecord {
  id: string;
  kind: string;
  status: string;
  defaultCurrency: string;
  allowOverdraft: boolean;
  createdAt: Date;
  currencies: string[];
}

export interface BalanceRow {
  currency: string;
  ledgerMinor: bigint;
  heldMinor: bigint;
  updatedAt: Date;
}

export interface PostedJournal {
  journalId: bigint;
  createdAt: Date;
  /** True when the reference had already been posted: nothing moved this time. */
  replayed: boolean;
}

export interface DepositRecord extends PostedJournal {
  accountId: string;
  currency: string;
  minor: bigint;
  ledgerMinor: bigint;
  heldMinor: bigint;
}

/** Why a ledger operation was refused; the service maps these to domain errors. */
export type LedgerRefusal =
  | { kind: 'ACCOUNT_NOT_FOUND'; accountId: string }
  | { kind: 'ACCOUNT_INACTIVE'; accountId: string; status: string }
  | { kind: 'INSUFFICIENT_FUNDS'; accountId: string; currency: string; availableMinor: bigint; requiredMinor: bigint }
  | { kind: 'ACCOUNT_EXISTS'; accountId: string }
  | { kind: 'REFERENCE_REUSED'; reference: string };

export class LedgerRefused extends Error {
  constructor(readonly refusal: LedgerRefusal) {
    super(refusal.kind);
  }
}

interface AccountLockRow {
  id: string;
  kind: string;
  status: string;
  allow_overdraft: boolean;
}

/**
 * The ledger's persistence (owns the `wallet` schema). Each operation is one transaction: the
 * journal row claims the caller's reference first (a repeat finds it and posts nothing), then
 * every balance row is changed with one conditional statement in a fixed lock order, so a
 * wallet can never be overdrawn whatever the concurrency, and deadlocks cannot form.
 */
@Injectable()
export class LedgerRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  async createAccount(
    merchantId: string,
    a: { accountId: string; currencies: string[]; defaultCurrency: string; allowOverdraft: boolean },
  ): Promise<AccountRecord> {
    return this.db.transaction(async (tx) => {
      const created = await queryRows<{ created_at: Date }>(
        tx,
        sql`insert into wallet.accounts (merchant_id, id, kind, default_currency, allow_overdraft)
            values (${merchantId}, ${a.accountId}, 'wallet', ${a.defaultCurrency}, ${a.allowOverdraft})
            on conflict do nothing returning created_at`,
      );
      if (created.length === 0) throw new LedgerRefused({ kind: 'ACCOUNT_EXISTS', accountId: a.accountId });
      await tx.execute(sql`insert into wallet.balances (merchant_id, account_id, currency)
          select ${merchantId}, ${a.accountId}, c from unnest(${sql.param(a.currencies)}::text[]) as c`);
      return {
        id: a.accountId,
        kind: 'wallet',
        status: 'active',
        defaultCurrency: a.defaultCurrency,
        allowOverdraft: a.allowOverdraft,
        createdAt: new Date(created[0].created_at),
        currencies: [...a.currencies].sort(),
      };
    });
  }

  /** Balances of one account, by currency. */
  async balancesOf(merchantId: string, accountId: string): Promise<BalanceRow[]> {
    const rows = await queryRows<{ currency: string; ledger_minor: string; held_minor: string; updated_at: Date }>(
      this.db,
      sql`select currency, ledger_minor::text, held_minor::text, updated_at from wallet.balances
           where merchant_id = ${merchantId} and account_id = ${accountId} order by currency`,
    );
    return rows.map((r) => ({
      currency: r.currency.trim(),
      ledgerMinor: BigInt(r.ledger_minor),
      heldMinor: BigInt(r.held_minor),
      updatedAt: new Date(r.updated_at),
    }));
  }

  /** A wallet (not a house account) with the currencies it has a balance in. */
  async findAccount(merchantId: string, accountId: string): Promise<AccountRecord | undefined> {
    const rows = await this.findAccounts(merchantId, [accountId]);
    return rows.get(accountId);
  }

  async findAccounts(merchantId: string, accountIds: string[]): Promise<Map<string, AccountRecord>> {
    const rows = await queryRows<{
      id: string;
      kind: string;
      status: string;
      default_currency: string;
      allow_overdraft: boolean;
      created_at: Date;
      currencies: string[] | null;
    }>(
      this.db,
      sql`select a.id, a.kind, a.status, a.default_currency, a.allow_overdraft, a.created_at,
                 array(select b.currency::text from wallet.balances b
                        where b.merchant_id = a.merchant_id and b.account_id = a.id order by b.currency) as currencies
            from wallet.accounts a
           where a.merchant_id = ${merchantId} and a.id = any(${sql.param(accountIds)}::text[]) and a.kind = 'wallet'`,
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          kind: r.kind,
          status: r.status,
          defaultCurrency: r.default_currency.trim(),
          allowOverdraft: r.allow_overdraft,
          createdAt: new Date(r.created_at),
          currencies: (r.currencies ?? []).map((c) => c.trim()),
        },
      ]),
    );
  }

  /** Posts a transfer journal (2 entries, or 4 through the house FX account), idempotent on `reference`. */
  async transfer(merchantId: string, reference: string, m: Movement): Promise<PostedJournal> {
    const legs = transferLegs(m);
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        // Each operation kind has its own reference namespace: a deposit's reference can never
        // replay as a transfer, nor the other way round.
        const journalRef = `transfer:${reference}`;
        const claimed = await this.claimJournal(tx, merchantId, 'transfer', journalRef);
        if (!claimed) {
          const posted = await this.postedJournal(tx, merchantId, journalRef);
          if (!(await this.journalMatches(tx, posted.journalId, legs))) throw new LedgerRefused({ kind: 'REFERENCE_REUSED', reference });
          return posted;
        }
        const wallets = await this.requireActiveWallets(tx, merchantId, [m.sourceAccount, m.destinationAccount]);
        await this.post(tx, merchantId, claimed.id, legs, wallets);
        return { journalId: claimed.id, createdAt: claimed.createdAt, replayed: false };
      }),
    );
  }

  /** Credits a wallet from the house settlement account, idempotent on `reference` (same body → replay). */
  async deposit(merchantId: string, reference: string, accountId: string, currency: string, minor: bigint): Promise<DepositRecord> {
    const legs = depositLegs(accountId, currency, minor);
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const journalRef = `deposit:${reference}`;
        const claimed = await this.claimJournal(tx, merchantId, 'deposit', journalRef);
        let posted: PostedJournal;
        if (claimed) {
          const wallets = await this.requireActiveWallets(tx, merchantId, [accountId]);
          await this.post(tx, merchantId, claimed.id, legs, wallets);
          posted = { journalId: claimed.id, createdAt: claimed.createdAt, replayed: false };
        } else {
          posted = await this.postedJournal(tx, merchantId, journalRef);
          if (!(await this.journalMatches(tx, posted.journalId, legs))) throw new LedgerRefused({ kind: 'REFERENCE_REUSED', reference });
        }
        const [bal] = await queryRows<{ ledger_minor: string; held_minor: string }>(
          tx,
          sql`select ledger_minor, held_minor from wallet.balances
               where merchant_id = ${merchantId} and account_id = ${accountId} and currency = ${currency}`,
        );
        return { ...posted, accountId, currency, minor, ledgerMinor: BigInt(bal.ledger_minor), heldMinor: BigInt(bal.held_minor) };
      }),
    );
  }

  /** Reserves funds on a wallet balance (available drops), idempotent on `reference`. */
  async hold(merchantId: string, reference: string, accountId: string, currency: string, minor: bigint): Promise<PostedJournal> {
    if (minor <= 0n) throw new LedgerRuleError('hold amount must be positive');
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const inserted = await queryRows<{ id: string; created_at: Date }>(
          tx,
          sql`insert into wallet.holds (merchant_id, reference, account_id, currency, amount_minor)
              values (${merchantId}, ${reference}, ${accountId}, ${currency}, ${minor})
              on conflict do nothing returning id, created_at`,
        );
        if (inserted.length === 0) {
          const [h] = await queryRows<{ id: string; created_at: Date }>(
            tx,
            sql`select id, created_at from wallet.holds where merchant_id = ${merchantId} and reference = ${reference}`,
          );
          return { journalId: BigInt(h.id), createdAt: new Date(h.created_at), replayed: true };
        }
        const [account] = await this.requireActiveWallets(tx, merchantId, [accountId]);
        if (account.allow_overdraft) await this.openBalance(tx, merchantId, accountId, currency);
        const updated = await queryRows<{ held_minor: string }>(
          tx,
          sql`update wallet.balances set held_minor = held_minor + ${minor}, updated_at = now()
               where merchant_id = ${merchantId} and account_id = ${accountId} and currency = ${currency}
                 and (${account.allow_overdraft} or ledger_minor - held_minor - ${minor} >= 0)
               returning held_minor`,
        );
        if (updated.length === 0) await this.refuseDebit(tx, merchantId, accountId, currency, minor);
        return { journalId: BigInt(inserted[0].id), createdAt: new Date(inserted[0].created_at), replayed: false };
      }),
    );
  }

  private async claimJournal(
    tx: Tx,
    merchantId: string,
    kind: string,
    reference: string,
  ): Promise<{ id: bigint; createdAt: Date } | undefined> {
    const rows = await queryRows<{ id: string; created_at: Date }>(
      tx,
      sql`insert into wallet.journals (merchant_id, kind, reference) values (${merchantId}, ${kind}, ${reference})
          on conflict do nothing returning id, created_at`,
    );
    return rows[0] && { id: BigInt(rows[0].id), createdAt: new Date(rows[0].created_at) };
  }

  /** Whether a posted journal is exactly these legs (a replay of the same operation, not a reused reference). */
  private async journalMatches(tx: Tx, journalId: bigint, legs: Leg[]): Promise<boolean> {
    const rows = await queryRows<{ account_id: string; currency: string; amount_minor: string }>(
      tx,
      sql`select account_id, currency, amount_minor::text from wallet.entries where journal_id = ${journalId}`,
    );
    const key = (a: string, c: string, d: string) => `${a}|${c.trim()}|${d}`;
    const posted = rows.map((r) => key(r.account_id, r.currency, r.amount_minor)).sort();
    const wanted = legs.map((l) => key(l.accountId, l.currency, l.delta.toString())).sort();
    return posted.length === wanted.length && posted.every((p, i) => p === wanted[i]);
  }

  private async postedJournal(tx: Tx, merchantId: string, reference: string): Promise<PostedJournal> {
    const [j] = await queryRows<{ id: string; created_at: Date }>(
      tx,
      sql`select id, created_at from wallet.journals where merchant_id = ${merchantId} and reference = ${reference}`,
    );
    return { journalId: BigInt(j.id), createdAt: new Date(j.created_at), replayed: true };
  }

  /** The wallets must exist and be active; their rows are share-locked so a freeze cannot interleave. */
  private async requireActiveWallets(tx: Tx, merchantId: string, ids: string[]): Promise<AccountLockRow[]> {
    const rows = await queryRows<AccountLockRow>(
      tx,
      sql`select id, kind, status, allow_overdraft from wallet.accounts
           where merchant_id = ${merchantId} and id = any(${sql.param(ids)}::text[]) and kind = 'wallet'
           order by id for share`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (!row) throw new LedgerRefused({ kind: 'ACCOUNT_NOT_FOUND', accountId: id });
      if (row.status !== 'active') throw new LedgerRefused({ kind: 'ACCOUNT_INACTIVE', accountId: id, status: row.status });
      return row;
    });
  }

  /**
   * Applies the legs in lock order. A wallet debit is one conditional UPDATE (`available` must
   * cover it unless overdraft is allowed); no row updated means refused, and the transaction,
   * journal included, rolls back. Credits open the balance when the currency is new to the wallet.
   */
  private async post(tx: Tx, merchantId: string, journalId: bigint, legs: Leg[], wallets: AccountLockRow[]): Promise<void> {
    const overdraft = new Map(wallets.map((w) => [w.id, w.allow_overdraft]));
    const after: Array<bigint | null> = [];
    for (const leg of legs) {
      if (leg.house) {
        await this.upsertBalance(tx, merchantId, leg);
        after.push(null);
      } else if (leg.delta < 0n) {
        // An overdraft wallet may go below zero in a currency it has never held.
        if (overdraft.get(leg.accountId)) await this.openBalance(tx, merchantId, leg.accountId, leg.currency);
        const rows = await queryRows<{ ledger_minor: string }>(
          tx,
          sql`update wallet.balances set ledger_minor = ledger_minor + ${leg.delta}, updated_at = now()
               where merchant_id = ${merchantId} and account_id = ${leg.accountId} and currency = ${leg.currency}
                 and (${overdraft.get(leg.accountId) ?? false} or ledger_minor - held_minor + ${leg.delta} >= 0)
               returning ledger_minor`,
        );
        if (rows.length === 0) await this.refuseDebit(tx, merchantId, leg.accountId, leg.currency, -leg.delta);
        after.push(BigInt(rows[0].ledger_minor));
      } else {
        after.push(await this.upsertBalance(tx, merchantId, leg));
      }
    }
    await tx.execute(sql`insert into wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
        select ${journalId}::bigint, ${merchantId}, a, c, d, b
          from unnest(${sql.param(legs.map((l) => l.accountId))}::text[], ${sql.param(legs.map((l) => l.currency))}::text[],
                      ${sql.param(legs.map((l) => l.delta.toString()))}::text[]::bigint[],
                      ${sql.param(after.map((b) => (b === null ? null : b.toString())))}::text[]::bigint[]) as t(a, c, d, b)`);
  }

  private async openBalance(tx: Tx, merchantId: string, accountId: string, currency: string): Promise<void> {
    await tx.execute(sql`insert into wallet.balances (merchant_id, account_id, currency) values (${merchantId}, ${accountId}, ${currency})
        on conflict do nothing`);
  }

  private async upsertBalance(tx: Tx, merchantId: string, leg: Leg): Promise<bigint> {
    const [row] = await queryRows<{ ledger_minor: string }>(
      tx,
      sql`insert into wallet.balances (merchant_id, account_id, currency, ledger_minor)
          values (${merchantId}, ${leg.accountId}, ${leg.currency}, ${leg.delta})
          on conflict (merchant_id, account_id, currency)
          do update set ledger_minor = wallet.balances.ledger_minor + excluded.ledger_minor, updated_at = now()
          returning ledger_minor`,
    );
    return BigInt(row.ledger_minor);
  }

  private async refuseDebit(tx: Tx, merchantId: string, accountId: string, currency: string, required: bigint): Promise<never> {
    const rows = await queryRows<{ available: string }>(
      tx,
      sql`select ledger_minor - held_minor as available from wallet.balances
           where merchant_id = ${merchantId} and account_id = ${accountId} and currency = ${currency}`,
    );
    throw new LedgerRefused({
      kind: 'INSUFFICIENT_FUNDS',
      accountId,
      currency,
      availableMinor: rows[0] ? BigInt(rows[0].available) : 0n,
      requiredMinor: required,
    });
  }
}
