import { createdAt } from '../../../../libs/database/src/columns';
import { bigint, char, index, numeric, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';

export const fxSchema = pgSchema('fx');

/** Every conversion applied to money, with what is needed to recompute it. */
export const conversions = fxSchema.table(
  'conversions',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    fromCurrency: char('from_currency', { length: 3 }).notNull(),
    toCurrency: char('to_currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    convertedMinor: bigint('converted_minor', { mode: 'bigint' }).notNull(),
    rate: numeric('rate', { precision: 38, scale: 18 }).notNull(),
    side: text('side').notNull(),
    provider: text('provider').notNull(),
    pivot: char('pivot', { length: 3 }),
    quoteId: text('quote_id'),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('conversions_merchant_created_idx').on(t.merchantId, t.createdAt)],
);
