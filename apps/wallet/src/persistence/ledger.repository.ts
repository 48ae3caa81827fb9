import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import {
  BatchResult,
  Db,
  InjectDb,
  KeyedBatcher,
  isRetryableSqlError,
  queryRows,
  retryTransaction,
  runStatement,
  sqlStateOf,
} from '@paygate/database';
import {
  LedgerRefused,
  PostedJournal,
  HoldState,
  LedgerRefusal,
  balanceOf,
  claimJournal,
  journalLegs,
  journalMatches,
  lockHold,
  reversedSoFar,
  unhold,
  openBalance,
  post,
  postedJournal,
  refuseDebit,
  requireActiveWallets,
} from './ledger-tx';
import {
  Leg,
  LedgerRuleError,
  Movement,
  depositLegs,
  reversalLegs,
  transferFromLegs,
  transferLegs,
  withdrawalLegs,
} from '../domain/ledger';

export interface AccountRecord {
  id: string;
  kind: string;
  status: string;
  defaultCurrency: string;
  allowOverdraft: boolean;
  createdAt: Date;
  currencies: string[];
}

/** One row of `wallet.post_transfers`: the item posted (or replayed), or its refusal. */
interface PostedTransferRow {
  item: number;
  journal_id: string | null;
  created_at: Date | string | null;
  replayed: boolean | null;
  refusal: {
    kind: 'ACCOUNT_NOT_FOUND' | 'ACCOUNT_INACTIVE' | 'INSUFFICIENT_FUNDS' | 'REFERENCE_REUSED';
    accountId?: string;
    status?: string;
    currency?: string;
    availableMinor?: string;
    requiredMinor?: string;
  } | null;
}

/** A refusal as `wallet.post_transfer` raised it (minor amounts as decimal strings). */
function refusalFrom(r: NonNullable<PostedTransferRow['refusal']>, reference: string): LedgerRefusal {
  switch (r.kind) {
    case 'ACCOUNT_NOT_FOUND':
      return { kind: r.kind, accountId: r.accountId! };
    case 'ACCOUNT_INACTIVE':
      return { kind: r.kind, accountId: r.accountId!, status: r.status! };
    case 'INSUFFICIENT_FUNDS':
      return {
        kind: r.kind,
        accountId: r.accountId!,
        currency: r.currency!,
        availableMinor: BigInt(r.availableMinor!),
        requiredMinor: BigInt(r.requiredMinor!),
      };
    case 'REFERENCE_REUSED':
      return { kind: r.kind, reference };
  }
}

/**
 * The refusal a `wallet.post_*` function raised (SQLSTATE 'WLREF', its fields as JSON in the
 * detail), or undefined for any other error.
 */
/** One transfer (migration 0003): posted or replayed, or a WLREF error carrying the refusal. */
const POST_TRANSFER = `select o_journal_id::text as journal_id, o_created_at as created_at, o_replayed as replayed
                         from wallet.post_transfer($1, $2, $3, $4, $5::jsonb)`;

/** A hot wallet's batch (migration 0003): one row per item, posted or refused. */
/** Runs of a whole batch of transfers before it falls back to posting them one by one. */
const BATCH_ATTEMPTS = 3;

const POST_TRANSFERS = `select item, journal_id::text, created_at, replayed, refusal from wallet.post_transfers($1, $2::jsonb)`;

function refusalRaised(err: unknown, reference: string): LedgerRefused | undefined {
  if (sqlStateOf(err) !== 'WLREF') return undefined;
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const detail = (e as { detail?: unknown }).detail;
    if (typeof detail === 'string')
      return new LedgerRefused(refusalFrom(JSON.parse(detail) as NonNullable<PostedTransferRow['refusal']>, reference));
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The row of `wallet.post_deposit`: the journal posted (or replayed) and the wallet's balance after. */
interface PostedDepositRow {
  journal_id: string;
  created_at: Date | string;
  replayed: boolean;
  ledger_minor: string;
  held_minor: string;
}

const POST_DEPOSIT = `select o_journal_id::text as journal_id, o_created_at as created_at, o_replayed as replayed,
       o_ledger_minor::text as ledger_minor, o_held_minor::text as held_minor
  from wallet.post_deposit($1, $2, $3, $4, $5::jsonb)`;

/** This merchant's wallets among these ids, each with the currencies it has a balance in (`wallet.find_accounts`, migration 0005). */
const FIND_ACCOUNTS = `select id, kind, status, default_currency, allow_overdraft, created_at, currencies from wallet.find_accounts($1, $2::text[])`;

/**
 * Wallets $2 of merchant $1 with their balances, by currency: one row per balance, or one row
 * with null balance columns for a wallet with none; no row for an id that is no such wallet.
 */
const ACCOUNT_BALANCES = `select a.id, a.default_currency, b.currency, b.ledger_minor::text as ledger_minor,
       b.held_minor::text as held_minor, b.updated_at
  from wallet.accounts a
  left join wallet.balances b on b.merchant_id = a.merchant_id and b.account_id = a.id
 where a.merchant_id = $1 and a.id = any($2::text[]) and a.kind = 'wallet'
 order by a.id, b.currency`;

interface TransferItem {
  merchantId: string;
  reference: string;
  m: Movement;
  legs: Leg[];
}

export interface EntryRecord {
  id: bigint;
  journalId: bigint;
  kind: string;
  reference: string;
  currency: string;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  createdAt: Date;
}

export interface BalanceRow {
  currency: string;
  ledgerMinor: bigint;
  heldMinor: bigint;
  updatedAt: Date;
}

export interface AccountBalances {
  id: string;
  defaultCurrency: string;
  balances: BalanceRow[];
}

export interface DepositRecord extends PostedJournal {
  accountId: string;
  currency: string;
  minor: bigint;
  ledgerMinor: bigint;
  heldMinor: bigint;
}

/**
 * The ledger's persistence (owns the `wallet` schema). Each operation is one transaction: the
 * journal row claims the caller's reference first (a repeat finds it and posts nothing), then
 * every balance row is changed with one conditional statement in a fixed lock order, so a
 * wallet can never be overdrawn whatever the concurrency, and deadlocks cannot form.
 */
@Injectable()
export class LedgerRepository {
  /** A merchant's transfers that arrive while one of its batches posts: the next batch. */
  private readonly transfers = new KeyedBatcher<TransferItem, PostedJournal>((items) => this.transferBatch(items));
  /** A merchant's account lookups that arrive while one runs: one statement for all their ids. */
  private readonly lookups = new KeyedBatcher<{ merchantId: string; ids: string[] }, Map<string, AccountRecord>>((items) =>
    this.findAccountsBatch(items),
  );

  /** A merchant's balance reads that arrive while one runs: one statement for all their wallets. */
  private readonly balanceReads = new KeyedBatcher<{ merchantId: string; accountId: string }, AccountBalances | undefined>((items) =>
    this.accountBalancesBatch(items),
  );

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
    return (await this.accountBalances(merchantId, accountId))?.balances ?? [];
  }

  /**
   * A wallet (not a house account) with its balances by currency, in one statement; undefined
   * when this merchant has no such wallet.
   */
  async accountBalances(merchantId: string, accountId: string): Promise<AccountBalances | undefined> {
    return this.balanceReads.submit(merchantId, { merchantId, accountId });
  }

  /** A batch of `balanceReads`, all of one merchant (the batcher's key): one statement. */
  private async accountBalancesBatch(
    items: Array<{ merchantId: string; accountId: string }>,
  ): Promise<Array<BatchResult<AccountBalances | undefined>>> {
    const ids = [...new Set(items.map((i) => i.accountId))];
    const rows = await runStatement<{
      id: string;
      default_currency: string;
      currency: string | null;
      ledger_minor: string | null;
      held_minor: string | null;
      updated_at: Date | string | null;
    }>(this.db, ACCOUNT_BALANCES, [items[0].merchantId, ids]);
    const byId = new Map<string, AccountBalances>();
    for (const r of rows) {
      let account = byId.get(r.id);
      if (!account) byId.set(r.id, (account = { id: r.id, defaultCurrency: r.default_currency.trim(), balances: [] }));
      // The left join gives one row of nulls for a wallet with no balance rows.
      if (r.currency === null) continue;
      account.balances.push({
        currency: r.currency.trim(),
        ledgerMinor: BigInt(r.ledger_minor!),
        heldMinor: BigInt(r.held_minor!),
        updatedAt: new Date(r.updated_at!),
      });
    }
    // Each caller gets its own copy: callers may change what they get.
    return items.map((i) => {
      const a = byId.get(i.accountId);
      return { ok: true, value: a && { ...a, balances: a.balances.map((b) => ({ ...b })) } };
    });
  }

  /** A wallet (not a house account) with the currencies it has a balance in. */
  async findAccount(merchantId: string, accountId: string): Promise<AccountRecord | undefined> {
    const rows = await this.findAccounts(merchantId, [accountId]);
    return rows.get(accountId);
  }

  async findAccounts(merchantId: string, accountIds: string[]): Promise<Map<string, AccountRecord>> {
    return this.lookups.submit(merchantId, { merchantId, ids: accountIds });
  }

  private async findAccountsBatch(
    items: Array<{ merchantId: string; ids: string[] }>,
  ): Promise<Array<BatchResult<Map<string, AccountRecord>>>> {
    const ids = [...new Set(items.flatMap((i) => i.ids))];
    const rows = await runStatement<{
      id: string;
      kind: string;
      status: string;
      default_currency: string;
      allow_overdraft: boolean;
      created_at: Date | string;
      currencies: string[] | null;
    }>(this.db, FIND_ACCOUNTS, [items[0].merchantId, ids]);
    const all = new Map<string, AccountRecord>(
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
    return items.map((item) => {
      const found = new Map<string, AccountRecord>();
      for (const id of item.ids) {
        const a = all.get(id);
        if (a) found.set(id, a);
      }
      return { ok: true, value: found };
    });
  }

  /** Posts a transfer journal (2 entries, or 4 through the house FX account), idempotent on `reference`. */
  async transfer(merchantId: string, reference: string, m: Movement): Promise<PostedJournal> {
    const legs = transferLegs(m);
    return this.transfers.submit(merchantId, { merchantId, reference, m, legs });
  }

  /**
   * A merchant's transfers, together in one statement (`wallet.post_transfers`, see migration
   * 0003; a hot wallet's transfers share its balance row's lock): each in a subtransaction of
   * its own, so a refused one (insufficient funds…) rolls back alone; one commit, one round
   * trip. Anything but a refusal fails the whole batch: a deadlock or serialization failure runs
   * it again, and after BATCH_ATTEMPTS its transfers post one by one.
   */
  private async transferBatch(items: TransferItem[]): Promise<Array<BatchResult<PostedJournal>>> {
    const payload = items.map(({ reference, m, legs }) => ({
      reference,
      source: m.sourceAccount,
      destination: m.destinationAccount,
      legs: legs.map((l) => ({ account: l.accountId, currency: l.currency, delta: l.delta.toString(), house: l.house })),
    }));
    if (items.length === 1) {
      // One transfer: the posting function itself, no subtransaction; a refusal fails the
      // statement (nothing stays behind) and comes back as its error.
      const [p] = payload;
      try {
        const [row] = await retryTransaction(() =>
          runStatement<{ journal_id: string; created_at: Date | string; replayed: boolean }>(this.db, POST_TRANSFER, [
            items[0].merchantId,
            p.reference,
            p.source,
            p.destination,
            JSON.stringify(p.legs),
          ]),
        );
        return [{ ok: true, value: { journalId: BigInt(row.journal_id), createdAt: new Date(row.created_at), replayed: row.replayed } }];
      } catch (err) {
        const refused = refusalRaised(err, items[0].reference);
        if (refused) return [{ ok: false, error: refused }];
        throw err;
      }
    }
    let rows: PostedTransferRow[];
    try {
      rows = await retryTransaction(
        () => runStatement<PostedTransferRow>(this.db, POST_TRANSFERS, [items[0].merchantId, JSON.stringify(payload)]),
        BATCH_ATTEMPTS,
      );
    } catch (err) {
      if (!isRetryableSqlError(err)) throw err;
      // A batch locks every balance row it touches: against a writer that locks rows in another
      // order it can keep losing. Then each transfer posts on its own (with its own retries).
      return Promise.all(items.map(async (item) => (await this.transferBatch([item]))[0]));
    }
    const results: Array<BatchResult<PostedJournal>> = [];
    for (const r of rows) {
      results[r.item] = r.refusal
        ? { ok: false, error: new LedgerRefused(refusalFrom(r.refusal, items[r.item].reference)) }
        : { ok: true, value: { journalId: BigInt(r.journal_id!), createdAt: new Date(r.created_at!), replayed: r.replayed! } };
    }
    return results;
  }

  /**
   * Credits a wallet from the house settlement account, idempotent on `reference` (same body →
   * replay), in one statement: `wallet.post_deposit` (migration 0004) claims, checks, posts and
   * refuses as the other operations do, and returns the balance after.
   */
  async deposit(merchantId: string, reference: string, accountId: string, currency: string, minor: bigint): Promise<DepositRecord> {
    const legs = depositLegs(accountId, currency, minor);
    const payload = JSON.stringify(
      legs.map((l) => ({ account: l.accountId, currency: l.currency, delta: l.delta.toString(), house: l.house })),
    );
    let row: PostedDepositRow;
    try {
      [row] = await retryTransaction(() =>
        runStatement<PostedDepositRow>(this.db, POST_DEPOSIT, [merchantId, reference, accountId, currency, payload]),
      );
    } catch (err) {
      throw refusalRaised(err, reference) ?? err;
    }
    return {
      journalId: BigInt(row.journal_id),
      createdAt: new Date(row.created_at),
      replayed: row.replayed,
      accountId,
      currency,
      minor,
      ledgerMinor: BigInt(row.ledger_minor),
      heldMinor: BigInt(row.held_minor),
    };
  }

  /** Reserves funds on a wallet balance (available drops), idempotent on `reference`. */
  async hold(
    merchantId: string,
    reference: string,
    accountId: string,
    currency: string,
    minor: bigint,
    expiresAt?: Date,
  ): Promise<PostedJournal> {
    if (minor <= 0n) throw new LedgerRuleError('hold amount must be positive');
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const inserted = await queryRows<{ id: string; created_at: Date }>(
          tx,
          sql`insert into wallet.holds (merchant_id, reference, account_id, currency, amount_minor, expires_at)
              values (${merchantId}, ${reference}, ${accountId}, ${currency}, ${minor}, ${expiresAt ?? null})
              on conflict do nothing returning id, created_at`,
        );
        if (inserted.length === 0) {
          const [h] = await queryRows<{ id: string; created_at: Date }>(
            tx,
            sql`select id, created_at from wallet.holds where merchant_id = ${merchantId} and reference = ${reference}`,
          );
          return { journalId: BigInt(h.id), createdAt: new Date(h.created_at), replayed: true };
        }
        const [account] = await requireActiveWallets(tx, merchantId, [accountId]);
        if (account.allow_overdraft) await openBalance(tx, merchantId, accountId, currency);
        const updated = await queryRows<{ held_minor: string }>(
          tx,
          sql`update wallet.balances set held_minor = held_minor + ${minor}, updated_at = now()
               where merchant_id = ${merchantId} and account_id = ${accountId} and currency = ${currency}
                 and (${account.allow_overdraft} or ledger_minor - held_minor - ${minor} >= 0)
               returning held_minor`,
        );
        if (updated.length === 0) await refuseDebit(tx, merchantId, accountId, currency, minor);
        return { journalId: BigInt(inserted[0].id), createdAt: new Date(inserted[0].created_at), replayed: false };
      }),
    );
  }

  /** Pays out of a wallet to the house settlement account, idempotent on `reference` (same body → replay). */
  async withdraw(merchantId: string, reference: string, accountId: string, currency: string, minor: bigint): Promise<DepositRecord> {
    const legs = withdrawalLegs(accountId, currency, minor);
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const journalRef = `withdrawal:${reference}`;
        const claimed = await claimJournal(tx, merchantId, 'withdrawal', journalRef);
        let posted: PostedJournal;
        if (claimed) {
          const wallets = await requireActiveWallets(tx, merchantId, [accountId]);
          await post(tx, merchantId, claimed.id, legs, wallets);
          posted = { journalId: claimed.id, createdAt: claimed.createdAt, replayed: false };
        } else {
          posted = await postedJournal(tx, merchantId, journalRef);
          if (!(await journalMatches(tx, posted.journalId, legs))) throw new LedgerRefused({ kind: 'REFERENCE_REUSED', reference });
        }
        const bal = await balanceOf(tx, merchantId, accountId, currency);
        return { ...posted, accountId, currency, minor, ledgerMinor: bal.ledger, heldMinor: bal.held };
      }),
    );
  }

  /**
   * Gives back `creditMinor` of a posted transfer at its original rate (a refund), as one new
   * journal pointing at it; idempotent on `reference`. The destination must still have the money.
   */
  async reverse(
    merchantId: string,
    reference: string,
    originalReference: string,
    creditMinor: bigint,
  ): Promise<PostedJournal & { debitBack: { currency: string; minor: bigint }; creditBack: { currency: string; minor: bigint } }> {
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const [original] = await queryRows<{ id: string }>(
          tx,
          sql`select id::text from wallet.journals where merchant_id = ${merchantId} and reference = ${`transfer:${originalReference}`} for update`,
        );
        if (!original) throw new LedgerRefused({ kind: 'TRANSFER_NOT_FOUND', reference: originalReference });
        const transfer = transferFromLegs(await journalLegs(tx, BigInt(original.id)));
        const journalRef = `reversal:${reference}`;
        const existing = await queryRows<{ id: string; reverses: string | null }>(
          tx,
          sql`select id::text, reverses_journal_id::text as reverses from wallet.journals
               where merchant_id = ${merchantId} and reference = ${journalRef}`,
        );
        if (existing[0]) {
          // A replay is the same reversal: of the same transfer, for the same amount.
          if (existing[0].reverses !== original.id) throw new LedgerRefused({ kind: 'REFERENCE_REUSED', reference });
          const posted = await postedJournal(tx, merchantId, journalRef);
          const legs = await journalLegs(tx, posted.journalId);
          const back = legs.find((l) => l.accountId === transfer.destinationAccount && !l.house);
          if (!back || -back.delta !== creditMinor) throw new LedgerRefused({ kind: 'REFERENCE_REUSED', reference });
          const src = legs.find((l) => l.accountId === transfer.sourceAccount && !l.house)!;
          return {
            ...posted,
            debitBack: { currency: src.currency, minor: src.delta },
            creditBack: { currency: back.currency, minor: creditMinor },
          };
        }
        const already = await reversedSoFar(tx, BigInt(original.id), transfer);
        const remaining = transfer.credit.minor - already.credit;
        if (creditMinor > remaining) {
          throw new LedgerRefused({
            kind: 'REVERSAL_EXCEEDS_ORIGINAL',
            reference: originalReference,
            remainingMinor: remaining,
            requestedMinor: creditMinor,
          });
        }
        const { legs, debitBack } = reversalLegs(transfer, creditMinor, already);
        const claimed = (await claimJournal(tx, merchantId, 'reversal', journalRef, BigInt(original.id)))!;
        const wallets = await requireActiveWallets(tx, merchantId, [transfer.sourceAccount, transfer.destinationAccount]);
        await post(tx, merchantId, claimed.id, legs, wallets);
        return {
          journalId: claimed.id,
          createdAt: claimed.createdAt,
          replayed: false,
          debitBack: { currency: transfer.debit.currency, minor: debitBack },
          creditBack: { currency: transfer.credit.currency, minor: creditMinor },
        };
      }),
    );
  }

  /**
   * Captures a hold, in full or in part: the whole hold is released from `held` and the captured
   * amount moves as a transfer (idempotent on `reference`); the rest is simply no longer held.
   */
  async captureHold(
    merchantId: string,
    holdReference: string,
    reference: string,
    destinationAccount: string,
    debitMinor: bigint | undefined,
    credit: { currency: string; minor: bigint },
    revenue?: { currency: string; minor: bigint },
  ): Promise<HoldState> {
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const hold = await lockHold(tx, merchantId, holdReference);
        const amount = debitMinor ?? hold.amountMinor;
        const legs = transferLegs({
          sourceAccount: hold.accountId,
          destinationAccount,
          debit: { currency: hold.currency, minor: amount },
          credit,
          revenue,
        });
        const journalRef = `transfer:${reference}`;
        if (hold.status === 'captured') {
          const posted = await postedJournal(tx, merchantId, journalRef).catch(() => undefined);
          if (!posted || !(await journalMatches(tx, posted.journalId, legs))) {
            throw new LedgerRefused({ kind: 'HOLD_NOT_ACTIVE', reference: holdReference, status: hold.status });
          }
          return { ...hold, replayed: true };
        }
        if (hold.status !== 'active') throw new LedgerRefused({ kind: 'HOLD_NOT_ACTIVE', reference: holdReference, status: hold.status });
        if (amount > hold.amountMinor) {
          throw new LedgerRefused({
            kind: 'AMOUNT_EXCEEDS_HOLD',
            reference: holdReference,
            heldMinor: hold.amountMinor,
            requestedMinor: amount,
          });
        }
        const claimed = await claimJournal(tx, merchantId, 'capture', journalRef);
        if (!claimed) throw new LedgerRefused({ kind: 'REFERENCE_REUSED', reference });
        const wallets = await requireActiveWallets(tx, merchantId, [hold.accountId, destinationAccount]);
        await unhold(tx, merchantId, hold);
        await post(tx, merchantId, claimed.id, legs, wallets);
        await tx.execute(sql`update wallet.holds set status = 'captured', captured_minor = ${amount}, updated_at = now()
            where id = ${hold.id}`);
        return { ...hold, status: 'captured', capturedMinor: amount, replayed: false };
      }),
    );
  }

  /** Releases an active hold (its amount is available again); releasing a released hold is a replay. */
  async releaseHold(merchantId: string, holdReference: string, as: 'released' | 'expired' = 'released'): Promise<HoldState> {
    return retryTransaction(() =>
      this.db.transaction(async (tx) => {
        const hold = await lockHold(tx, merchantId, holdReference);
        if (hold.status === 'released' || hold.status === 'expired') return { ...hold, replayed: true };
        if (hold.status !== 'active') throw new LedgerRefused({ kind: 'HOLD_NOT_ACTIVE', reference: holdReference, status: hold.status });
        await unhold(tx, merchantId, hold);
        await tx.execute(sql`update wallet.holds set status = ${as}, updated_at = now() where id = ${hold.id}`);
        return { ...hold, status: as, replayed: false };
      }),
    );
  }

  /** Releases active holds whose time ran out (at most `limit`); returns how many. */
  async expireHolds(now: Date, limit = 100): Promise<number> {
    const due = await queryRows<{ merchant_id: string; reference: string }>(
      this.db,
      sql`select merchant_id, reference from wallet.holds
           where status = 'active' and expires_at is not null and expires_at <= ${now} order by expires_at limit ${limit}`,
    );
    let n = 0;
    for (const h of due) {
      const r = await this.releaseHold(h.merchant_id, h.reference, 'expired').catch(() => undefined);
      if (r && !r.replayed) n += 1;
    }
    return n;
  }

  async listAccounts(merchantId: string, limit: number, startingAfter?: string): Promise<{ accounts: AccountRecord[]; hasMore: boolean }> {
    const ids = await queryRows<{ id: string }>(
      this.db,
      sql`select id from wallet.accounts where merchant_id = ${merchantId} and kind = 'wallet'
            and (${startingAfter ?? null}::text is null or id > ${startingAfter ?? null}::text)
          order by id limit ${limit + 1}`,
    );
    const page = ids.slice(0, limit).map((r) => r.id);
    const found = await this.findAccounts(merchantId, page);
    return { accounts: page.map((id) => found.get(id)!), hasMore: ids.length > limit };
  }

  /**
   * Freeze (active → frozen), unfreeze (frozen → active) or close (→ closed, only when every
   * balance is zero and nothing is held). Asking for the state it is already in changes nothing.
   */
  async setStatus(merchantId: string, accountId: string, action: 'freeze' | 'unfreeze' | 'close'): Promise<AccountRecord> {
    await this.db.transaction(async (tx) => {
      const [acc] = await queryRows<{ status: string }>(
        tx,
        sql`select status from wallet.accounts where merchant_id = ${merchantId} and id = ${accountId} and kind = 'wallet' for update`,
      );
      if (!acc) throw new LedgerRefused({ kind: 'ACCOUNT_NOT_FOUND', accountId });
      const target = { freeze: 'frozen', unfreeze: 'active', close: 'closed' }[action];
      if (acc.status === target) return;
      if (acc.status === 'closed') throw new LedgerRefused({ kind: 'ACCOUNT_INACTIVE', accountId, status: 'closed' });
      if (action === 'close') {
        const [busy] = await queryRows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from wallet.balances
               where merchant_id = ${merchantId} and account_id = ${accountId} and (ledger_minor <> 0 or held_minor <> 0)`,
        );
        if (busy.n > 0) throw new LedgerRefused({ kind: 'ACCOUNT_NOT_EMPTY', accountId });
      }
      await tx.execute(
        sql`update wallet.accounts set status = ${target}, updated_at = now() where merchant_id = ${merchantId} and id = ${accountId}`,
      );
    });
    return (await this.findAccount(merchantId, accountId))!;
  }

  /** A wallet's entries, newest first, a page at a time (cursor: the last entry id seen). */
  async entries(
    merchantId: string,
    accountId: string,
    limit: number,
    before?: bigint,
    currency?: string,
  ): Promise<{ entries: EntryRecord[]; hasMore: boolean }> {
    const rows = await queryRows<{
      id: string;
      journal_id: string;
      kind: string;
      reference: string;
      currency: string;
      amount_minor: string;
      balance_after_minor: string;
      created_at: Date;
    }>(
      this.db,
      sql`select e.id::text, e.journal_id::text, j.kind, j.reference, e.currency, e.amount_minor::text, e.balance_after_minor::text, e.created_at
            from wallet.entries e join wallet.journals j on j.id = e.journal_id
           where e.merchant_id = ${merchantId} and e.account_id = ${accountId}
             and (${before === undefined ? null : before.toString()}::bigint is null or e.id < ${before === undefined ? null : before.toString()}::bigint)
             and (${currency ?? null}::text is null or e.currency = ${currency ?? null}::text)
           order by e.id desc limit ${limit + 1}`,
    );
    return {
      entries: rows.slice(0, limit).map((r) => ({
        id: BigInt(r.id),
        journalId: BigInt(r.journal_id),
        kind: r.kind,
        reference: r.reference,
        currency: r.currency.trim(),
        amountMinor: BigInt(r.amount_minor),
        balanceAfterMinor: BigInt(r.balance_after_minor),
        createdAt: new Date(r.created_at),
      })),
      hasMore: rows.length > limit,
    };
  }

  /** Which of these journal and hold references exist (journal references as stored: `transfer:…`). */
  async lookup(merchantId: string, journalRefs: string[], holdRefs: string[]) {
    const journals = await queryRows<{ reference: string; id: string }>(
      this.db,
      sql`select reference, id::text from wallet.journals where merchant_id = ${merchantId} and reference = any(${sql.param(journalRefs)}::text[])`,
    );
    const holds = await queryRows<{ reference: string; status: string; amount_minor: string }>(
      this.db,
      sql`select reference, status, amount_minor::text from wallet.holds where merchant_id = ${merchantId} and reference = any(${sql.param(holdRefs)}::text[])`,
    );
    return { journals, holds };
  }
}

export { LedgerRefused };
export type { HoldState, LedgerRefusal, PostedJournal } from './ledger-tx';
