import { sql } from 'drizzle-orm';
import { createdAt, updatedAt } from '../../../../libs/database/src/columns';
import { bigint, bigserial, boolean, char, index, pgSchema, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const walletSchema = pgSchema('wallet');

/** A wallet: one balance per currency, a default currency. House accounts (kind=house) may go negative. */
export const accounts = walletSchema.table(
  'accounts',
  {
    merchantId: text('merchant_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').notNull().default('wallet'),
    defaultCurrency: char('default_currency', { length: 3 }).notNull(),
    status: text('status').notNull().default('active'),
    allowOverdraft: boolean('allow_overdraft').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.id] })],
);

/** Running balances, one row per wallet and currency; `ledger` = sum of entries, `held` = open holds. */
export const balances = walletSchema.table(
  'balances',
  {
    merchantId: text('merchant_id').notNull(),
    accountId: text('account_id').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    ledgerMinor: bigint('ledger_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    heldMinor: bigint('held_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.accountId, t.currency] })],
);

/** One journal per operation; its entries sum to zero per currency. `reference` is the caller's idempotency key. */
export const journals = walletSchema.table(
  'journals',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    merchantId: text('merchant_id').notNull(),
    kind: text('kind').notNull(),
    reference: text('reference').notNull(),
    /** A reversal points at the transfer journal it reverses (in part). */
    reversesJournalId: bigint('reverses_journal_id', { mode: 'bigint' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('journals_merchant_reference_uq').on(t.merchantId, t.reference),
    index('journals_reverses_idx').on(t.reversesJournalId),
  ],
);

/** Append-only entries: signed amounts (credit +, debit −) with the balance after each (null on house rows). */
export const entries = walletSchema.table(
  'entries',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    journalId: bigint('journal_id', { mode: 'bigint' })
      .notNull()
      .references(() => journals.id),
    merchantId: text('merchant_id').notNull(),
    accountId: text('account_id').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    balanceAfterMinor: bigint('balance_after_minor', { mode: 'bigint' }),
    createdAt: createdAt(),
  },
  (t) => [index('entries_account_idx').on(t.merchantId, t.accountId, t.id), index('entries_journal_idx').on(t.journalId)],
);

/** Funds reserved on a wallet balance (`balances.held_minor` is the sum of the active ones); idempotent on `reference`. */
export const holds = walletSchema.table(
  'holds',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    merchantId: text('merchant_id').notNull(),
    reference: text('reference').notNull(),
    accountId: text('account_id').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    /** active → captured (in full or part; the rest released) | released | expired. */
    status: text('status').notNull().default('active'),
    capturedMinor: bigint('captured_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('holds_merchant_reference_uq').on(t.merchantId, t.reference),
    index('holds_active_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'active' and ${t.expiresAt} is not null`),
  ],
);
