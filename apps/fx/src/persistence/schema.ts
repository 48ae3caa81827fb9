import { sql } from 'drizzle-orm';
import { createdAt } from '../../../../libs/database/src/columns';
import { bigint, char, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const fxSchema = pgSchema('fx');

/**
 * Every conversion applied to money, with what is needed to recompute it exactly: the pivot legs
 * the mid was crossed from, the spread, the rate applied, and the amounts. One per (merchant,
 * reference): a retried payment gets its first conversion back.
 */
export const conversions = fxSchema.table(
  'conversions',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    reference: text('reference').notNull(),
    fromCurrency: char('from_currency', { length: 3 }).notNull(),
    toCurrency: char('to_currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    convertedMinor: bigint('converted_minor', { mode: 'bigint' }).notNull(),
    convertedAtMidMinor: bigint('converted_at_mid_minor', { mode: 'bigint' }).notNull(),
    rate: text('rate').notNull(),
    mid: text('mid').notNull(),
    spreadBps: integer('spread_bps').notNull(),
    side: text('side').notNull(),
    provider: text('provider').notNull(),
    pivot: char('pivot', { length: 3 }),
    pivotRates: jsonb('pivot_rates').notNull(),
    quoteId: text('quote_id'),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('conversions_merchant_created_idx').on(t.merchantId, t.createdAt),
    // The reference first, so it never shares the merchant_id prefix of the index above (see
    // payments' 0006 migration: a statistics-free generic plan could confuse the two).
    uniqueIndex('conversions_merchant_reference_uq').on(t.reference, t.merchantId),
  ],
);

/** Firm quotes: a rate locked until `expires_at`, usable by one payment (`used_by`). */
export const quotes = fxSchema.table(
  'quotes',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash').notNull(),
    fromCurrency: char('from_currency', { length: 3 }).notNull(),
    toCurrency: char('to_currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }),
    rate: text('rate').notNull(),
    mid: text('mid').notNull(),
    spreadBps: integer('spread_bps').notNull(),
    provider: text('provider').notNull(),
    pivot: char('pivot', { length: 3 }).notNull(),
    pivotRates: jsonb('pivot_rates').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedBy: text('used_by'),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('quotes_merchant_idempotency_key_uq')
      .on(t.merchantId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
  ],
);
