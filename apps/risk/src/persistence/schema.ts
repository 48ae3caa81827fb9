import { createdAt } from '../../../../libs/database/src/columns';
import { sql } from 'drizzle-orm';
import { bigint, bigserial, char, index, integer, jsonb, pgSchema, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const riskSchema = pgSchema('risk');

/** Every recorded decision with its inputs, for audit, velocity and replay. */
export const decisions = riskSchema.table(
  'decisions',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    merchantId: text('merchant_id').notNull(),
    paymentId: text('payment_id'),
    account: text('account').notNull(),
    destination: text('destination'),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    score: integer('score').notNull(),
    decision: text('decision').notNull(),
    reasons: jsonb('reasons').notNull(),
    rulesVersion: text('rules_version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('decisions_account_created_idx').on(t.merchantId, t.account, t.createdAt),
    index('decisions_account_destination_idx').on(t.merchantId, t.account, t.destination),
    // A payment is scored once: retries read the recorded decision instead of counting again.
    uniqueIndex('decisions_payment_uq')
      .on(t.merchantId, t.paymentId)
      .where(sql`${t.paymentId} is not null`),
  ],
);
