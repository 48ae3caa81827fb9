import { sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';
import type { AlreadyReversed, Leg, PostedTransfer } from '../domain/ledger';

/**
 * The ledger's statements inside one transaction, shared by its repositories: claim a journal
 * reference, check the wallets, apply legs in lock order with conditional debits, refuse with
 * the amounts. Each takes the open transaction.
 */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface PostedJournal {
  journalId: bigint;
  createdAt: Date;
  /** True when the reference had already been posted: nothing moved this time. */
  replayed: boolean;
}

/** Why a ledger operation was refused; the service maps these to domain errors. */
export type LedgerRefusal =
  | { kind: 'ACCOUNT_NOT_FOUND'; accountId: string }
  | { kind: 'ACCOUNT_INACTIVE'; accountId: string; status: string }
  | { kind: 'INSUFFICIENT_FUNDS'; accountId: string; currency: string; availableMinor: bigint; requiredMinor: bigint }
  | { kind: 'ACCOUNT_EXISTS'; accountId: string }
  | { kind: 'ACCOUNT_NOT_EMPTY'; accountId: string }
  | { kind: 'REFERENCE_REUSED'; reference: string }
  | { kind: 'HOLD_NOT_FOUND'; reference: string }
  | { kind: 'HOLD_NOT_ACTIVE'; reference: string; status: string }
  | { kind: 'AMOUNT_EXCEEDS_HOLD'; reference: string; heldMinor: bigint; requestedMinor: bigint }
  | { kind: 'TRANSFER_NOT_FOUND'; reference: string }
  | { kind: 'REVERSAL_EXCEEDS_ORIGINAL'; reference: string; remainingMinor: bigint; requestedMinor: bigint };

export class LedgerRefused extends Error {
  constructor(readonly refusal: LedgerRefusal) {
    super(refusal.kind);
  }
}

export interface AccountLockRow {
  id: string;
  kind: string;
  status: string;
  allow_overdraft: boolean;
}

export async function claimJournal(
  tx: Tx,
  merchantId: string,
  kind: string,
  reference: string,
  reverses?: bigint,
): Promise<{ id: bigint; createdAt: Date } | undefined> {
  const rows = await queryRows<{ id: string; created_at: Date }>(
    tx,
    sql`insert into wallet.journals (merchant_id, kind, reference, reverses_journal_id)
        values (${merchantId}, ${kind}, ${reference}, ${reverses === undefined ? null : reverses.toString()}::bigint)
        on conflict do nothing returning id, created_at`,
  );
  return rows[0] && { id: BigInt(rows[0].id), createdAt: new Date(rows[0].created_at) };
}

/** Whether a posted journal is exactly these legs (a replay of the same operation, not a reused reference). */
export async function journalMatches(tx: Tx, journalId: bigint, legs: Leg[]): Promise<boolean> {
  const rows = await queryRows<{ account_id: string; currency: string; amount_minor: string }>(
    tx,
    sql`select account_id, currency, amount_minor::text from wallet.entries where journal_id = ${journalId}`,
  );
  const key = (a: string, c: string, d: string) => `${a}|${c.trim()}|${d}`;
  const posted = rows.map((r) => key(r.account_id, r.currency, r.amount_minor)).sort();
  const wanted = legs.map((l) => key(l.accountId, l.currency, l.delta.toString())).sort();
  return posted.length === wanted.length && posted.every((p, i) => p === wanted[i]);
}

export async function postedJournal(tx: Tx, merchantId: string, reference: string): Promise<PostedJournal> {
  const [j] = await queryRows<{ id: string; created_at: Date }>(
    tx,
    sql`select id, created_at from wallet.journals where merchant_id = ${merchantId} and reference = ${reference}`,
  );
  return { journalId: BigInt(j.id), createdAt: new Date(j.created_at), replayed: true };
}

/** The wallets must exist and be active; their rows are share-locked so a freeze cannot interleave. */
export async function requireActiveWallets(tx: Tx, merchantId: string, ids: string[]): Promise<AccountLockRow[]> {
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
export async function post(tx: Tx, merchantId: string, journalId: bigint, legs: Leg[], wallets: AccountLockRow[]): Promise<void> {
  const overdraft = new Map(wallets.map((w) => [w.id, w.allow_overdraft]));
  const after: Array<bigint | null> = [];
  for (const leg of legs) {
    if (leg.house) {
      // House accounts keep no running balance (they are in every FX payment and deposit: the
      // hottest rows there would be); their balance is the sum of their entries.
      after.push(null);
    } else if (leg.delta < 0n) {
      // An overdraft wallet may go below zero in a currency it has never held.
      if (overdraft.get(leg.accountId)) await openBalance(tx, merchantId, leg.accountId, leg.currency);
      const rows = await queryRows<{ ledger_minor: string }>(
        tx,
        sql`update wallet.balances set ledger_minor = ledger_minor + ${leg.delta}, updated_at = now()
             where merchant_id = ${merchantId} and account_id = ${leg.accountId} and currency = ${leg.currency}
               and (${overdraft.get(leg.accountId) ?? false} or ledger_minor - held_minor + ${leg.delta} >= 0)
             returning ledger_minor`,
      );
      if (rows.length === 0) await refuseDebit(tx, merchantId, leg.accountId, leg.currency, -leg.delta);
      after.push(BigInt(rows[0].ledger_minor));
    } else {
      after.push(await upsertBalance(tx, merchantId, leg));
    }
  }
  await tx.execute(sql`insert into wallet.entries (journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
      select ${journalId}::bigint, ${merchantId}, a, c, d, b
        from unnest(${sql.param(legs.map((l) => l.accountId))}::text[], ${sql.param(legs.map((l) => l.currency))}::text[],
                    ${sql.param(legs.map((l) => l.delta.toString()))}::text[]::bigint[],
                    ${sql.param(after.map((b) => (b === null ? null : b.toString())))}::text[]::bigint[]) as t(a, c, d, b)`);
}

export async function openBalance(tx: Tx, merchantId: string, accountId: string, currency: string): Promise<void> {
  await tx.execute(sql`insert into wallet.balances (merchant_id, account_id, currency) values (${merchantId}, ${accountId}, ${currency})
      on conflict do nothing`);
}

export async function upsertBalance(tx: Tx, merchantId: string, leg: Leg): Promise<bigint> {
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

export async function refuseDebit(tx: Tx, merchantId: string, accountId: string, currency: string, required: bigint): Promise<never> {
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

/** The legs of a posted journal (house accounts are the ones whose ids start with `house:`). */
export async function journalLegs(tx: Tx, journalId: bigint): Promise<Leg[]> {
  const rows = await queryRows<{ account_id: string; currency: string; amount_minor: string }>(
    tx,
    sql`select account_id, currency, amount_minor::text from wallet.entries where journal_id = ${journalId} order by id`,
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    currency: r.currency.trim(),
    delta: BigInt(r.amount_minor),
    house: r.account_id.startsWith('house:'),
  }));
}

/** What earlier reversals of a transfer journal gave back. */
export async function reversedSoFar(tx: Tx, journalId: bigint, t: PostedTransfer): Promise<AlreadyReversed> {
  const [r] = await queryRows<{ credit: string; debit: string; revenue: string }>(
    tx,
    sql`select coalesce(sum(-e.amount_minor) filter (where e.account_id = ${t.destinationAccount} and e.currency = ${t.credit.currency}), 0)::text as credit,
               coalesce(sum(e.amount_minor) filter (where e.account_id = ${t.sourceAccount} and e.currency = ${t.debit.currency}), 0)::text as debit,
               coalesce(sum(-e.amount_minor) filter (where e.account_id = 'house:fx_revenue'), 0)::text as revenue
          from wallet.entries e join wallet.journals j on j.id = e.journal_id
         where j.reverses_journal_id = ${journalId}`,
  );
  return { credit: BigInt(r.credit), debit: BigInt(r.debit), revenue: BigInt(r.revenue) };
}

export async function balanceOf(
  tx: Tx,
  merchantId: string,
  accountId: string,
  currency: string,
): Promise<{ ledger: bigint; held: bigint }> {
  const [bal] = await queryRows<{ ledger_minor: string; held_minor: string }>(
    tx,
    sql`select ledger_minor::text, held_minor::text from wallet.balances
         where merchant_id = ${merchantId} and account_id = ${accountId} and currency = ${currency}`,
  );
  return bal ? { ledger: BigInt(bal.ledger_minor), held: BigInt(bal.held_minor) } : { ledger: 0n, held: 0n };
}

export interface HoldState {
  id: bigint;
  reference: string;
  accountId: string;
  currency: string;
  amountMinor: bigint;
  capturedMinor: bigint;
  status: 'active' | 'captured' | 'released' | 'expired';
  replayed?: boolean;
}

/** The hold, row-locked for this transaction, or HOLD_NOT_FOUND. */
export async function lockHold(tx: Tx, merchantId: string, reference: string): Promise<HoldState> {
  const [h] = await queryRows<{
    id: string;
    account_id: string;
    currency: string;
    amount_minor: string;
    captured_minor: string;
    status: HoldState['status'];
  }>(
    tx,
    sql`select id::text, account_id, currency, amount_minor::text, captured_minor::text, status from wallet.holds
         where merchant_id = ${merchantId} and reference = ${reference} for update`,
  );
  if (!h) throw new LedgerRefused({ kind: 'HOLD_NOT_FOUND', reference });
  return {
    id: BigInt(h.id),
    reference,
    accountId: h.account_id,
    currency: h.currency.trim(),
    amountMinor: BigInt(h.amount_minor),
    capturedMinor: BigInt(h.captured_minor),
    status: h.status,
  };
}

/** Takes a hold's amount off its balance's `held`. */
export async function unhold(tx: Tx, merchantId: string, hold: HoldState): Promise<void> {
  await tx.execute(sql`update wallet.balances set held_minor = held_minor - ${hold.amountMinor}, updated_at = now()
      where merchant_id = ${merchantId} and account_id = ${hold.accountId} and currency = ${hold.currency}`);
}
