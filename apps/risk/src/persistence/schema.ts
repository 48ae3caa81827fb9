import { createdAt } from '../../../../libs/database/src/columns';
import { bigint, bigserial, char, index, integer, jsonb, pgSchema, text } from 'drizzle-orm/pg-core';

export const riskSchema = pgSchema('risk');

/** Every recorded decision with its inputs, for audit, velocity and replay. */
export const decisions = riskSchema.table(
  'decisions',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    merchantId: text('merchant_id').notNull(),
    paymentId: text('payment_id'),
    account: text('account').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    score: integer('score').notNull(),
    decision: text('decision').notNull(),
    reasons: jsonb('reasons').notNull(),
    rulesVersion: text('rules_version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('decisions_account_created_idx').on(t.merchantId, t.account, t.createdAt)],
);
