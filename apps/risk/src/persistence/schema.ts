import { createdAt } from '../../../../libs/database/src/columns';
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, char, index, integer, jsonb, pgSchema, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const riskSchema = pgSchema('risk');

/**
 * Every recorded decision with its inputs, for audit, velocity and replay: a score with a
 * payment id, once per payment. The account's velocity (counts and sums over 1 min / 1 h /
 * 24 h, amount bands, history sample, first payment) is read from these rows in the same
 * transaction that records the next one, so replicas agree.
 */
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
    /** The amount in the reference currency (null: no FX rate was known, the payment was unpriced). */
    amountRefMinor: bigint('amount_ref_minor', { mode: 'bigint' }),
    refCurrency: char('ref_currency', { length: 3 }),
    score: integer('score').notNull(),
    decision: text('decision').notNull(),
    reasons: jsonb('reasons').notNull(),
    rulesVersion: text('rules_version').notNull(),
    /** Every feature the rules saw (FeaturesJson), so the decision can be audited and replayed. */
    features: jsonb('features')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** Shadow mode: the draft rules' verdict on the same features, and whether its decision differed. */
    shadowRulesVersion: text('shadow_rules_version'),
    shadowScore: integer('shadow_score'),
    shadowDecision: text('shadow_decision'),
    shadowReasons: jsonb('shadow_reasons'),
    shadowDiverged: boolean('shadow_diverged'),
    createdAt: createdAt(),
  },
  // Each index leads with its own selective column (account, payment), never with merchant_id:
  // before a table has statistics, a cached generic plan could otherwise take one index's
  // merchant_id prefix for another's lookup and scan every decision of the merchant.
  (t) => [
    // Ends with id: an account's newest decision (created_at desc, id desc) is the first entry of
    // a backward scan, not a sort of every decision of the account.
    index('decisions_account_created_idx').on(t.account, t.merchantId, t.createdAt, t.id),
    index('decisions_account_destination_idx').on(t.account, t.merchantId, t.destination),
    // A payment is scored once: retries read the recorded decision instead of counting again.
    uniqueIndex('decisions_payment_uq')
      .on(t.paymentId, t.merchantId)
      .where(sql`${t.paymentId} is not null`),
    // Divergent shadow decisions, for reviewing a draft rules file.
    index('decisions_shadow_diverged_idx')
      .on(t.merchantId, t.createdAt)
      .where(sql`${t.shadowDiverged}`),
  ],
);
