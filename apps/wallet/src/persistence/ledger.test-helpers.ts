import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';
import type { Movement } from '../domain/ledger';
import { verifyLedger } from './ledger-verify';
import { LedgerRefusal, LedgerRefused } from './ledger.repository';

/** Helpers shared by the ledger repository specs (not a spec itself). */

export const merchant = (label: string) => `m_${label}_${randomBytes(3).toString('hex')}`;

export const same = (src: string, dst: string, currency: string, minor: bigint): Movement => ({
  sourceAccount: src,
  destinationAccount: dst,
  debit: { currency, minor },
  credit: { currency, minor },
});

/** The refusal a ledger call rejected with (fails the test on success or on any other error). */
export async function refusalOf(p: Promise<unknown>): Promise<LedgerRefusal> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof LedgerRefused)) throw new Error(`expected a LedgerRefused, got ${err === undefined ? 'success' : String(err)}`);
  return err.refusal;
}

export const isHouse = (accountId: string) => accountId.startsWith('house:');

/**
 * Ledger balances of one account as { currency: 'ledger/held' } (decimal strings: exact on both drivers).
 * Wallets are read from their balances rows; a house account has none: its balance is the sum of its entries.
 */
export async function balances(db: Db, m: string, accountId: string): Promise<Record<string, string>> {
  if (isHouse(accountId)) {
    const sums = await queryRows<{ currency: string; total: string }>(
      db,
      sql`select currency, sum(amount_minor)::text as total from wallet.entries
           where merchant_id = ${m} and account_id = ${accountId} group by currency order by currency`,
    );
    return Object.fromEntries(sums.map((r) => [r.currency, r.total]));
  }
  const rows = await queryRows<{ currency: string; ledger: string; held: string }>(
    db,
    sql`select currency, ledger_minor::text as ledger, held_minor::text as held from wallet.balances
         where merchant_id = ${m} and account_id = ${accountId} order by currency`,
  );
  return Object.fromEntries(rows.map((r) => [r.currency, r.held === '0' ? r.ledger : `${r.ledger}/${r.held}`]));
}

export interface EntryRow {
  account_id: string;
  currency: string;
  amount: string;
  after: string | null;
}

export async function entriesOf(db: Db, journalId: bigint): Promise<EntryRow[]> {
  return queryRows<EntryRow>(
    db,
    sql`select account_id, currency, amount_minor::text as amount, balance_after_minor::text as after
          from wallet.entries where journal_id = ${journalId.toString()}::bigint order by account_id, currency`,
  );
}

export async function journalsOf(db: Db, m: string): Promise<Array<{ kind: string; reference: string }>> {
  return queryRows(db, sql`select kind, reference from wallet.journals where merchant_id = ${m} order by id`);
}

/** Everything the ledger holds for a merchant, to show that a refused call changed nothing. */

/** Every ledger invariant over the whole database (the same checks as `npm run ledger:verify`). */
export async function expectInvariants(db: Db): Promise<void> {
  const report = await verifyLedger(db);
  expect(report.violations).toEqual([]);
}
