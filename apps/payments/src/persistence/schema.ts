import { createdAt, updatedAt } from '../../../../libs/database/src/columns';
import { bigint, char, pgSchema, primaryKey, text } from 'drizzle-orm/pg-core';

export const paymentsSchema = pgSchema('payments');

/** Payments; `(merchant_id, id)` is unique forever. The lifecycle columns grow with the payments issue. */
export const payments = paymentsSchema.table(
  'payments',
  {
    merchantId: text('merchant_id').notNull(),
    id: text('id').notNull(),
    status: text('status').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    sourceAccount: text('source_account').notNull(),
    destinationAccount: text('destination_account').notNull(),
    failureCode: text('failure_code'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.id] })],
);
