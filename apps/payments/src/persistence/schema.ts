import { createdAt, updatedAt } from '../../../../libs/database/src/columns';
import { sql } from 'drizzle-orm';
import { bigint, char, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const paymentsSchema = pgSchema('payments');

/**
 * Payments. `(merchant_id, id)` is unique forever and so is `(merchant_id, idempotency_key)`;
 * the row is written `PROCESSING` before any money moves, and `lease_expires_at` says until when
 * the attempt that wrote it owns it (a retry after that resumes it; every step is idempotent).
 */
export const payments = paymentsSchema.table(
  'payments',
  {
    merchantId: text('merchant_id').notNull(),
    id: text('id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: text('status').notNull(),
    /** Where a PROCESSING payment is: accounts → risk → fx → wallet. */
    step: text('step'),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    sourceAccount: text('source_account').notNull(),
    destinationAccount: text('destination_account').notNull(),
    debitCurrency: char('debit_currency', { length: 3 }),
    debitAmountMinor: bigint('debit_amount_minor', { mode: 'bigint' }),
    creditCurrency: char('credit_currency', { length: 3 }),
    creditAmountMinor: bigint('credit_amount_minor', { mode: 'bigint' }),
    fx: jsonb('fx'),
    risk: jsonb('risk'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    failureDetails: jsonb('failure_details'),
    quoteId: text('quote_id'),
    metadata: jsonb('metadata')
      .notNull()
      .default(sql`'{}'::jsonb`),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.id] }), uniqueIndex('payments_idempotency_key_uq').on(t.merchantId, t.idempotencyKey)],
);
