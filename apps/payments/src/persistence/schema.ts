import { createdAt, updatedAt } from '../../../../libs/database/src/columns';
import { sql } from 'drizzle-orm';
import { bigint, bigserial, char, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
    /** `automatic` captures at once; `manual` (capture=false) authorizes: a hold to capture or cancel. */
    captureMethod: text('capture_method').notNull().default('automatic'),
    /** In the payment currency: what was captured, and what has been refunded of it. */
    capturedAmountMinor: bigint('captured_amount_minor', { mode: 'bigint' }),
    refundedAmountMinor: bigint('refunded_amount_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    /** AUTHORIZED: when it is canceled unless captured; PENDING: when the review times out. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    metadata: jsonb('metadata')
      .notNull()
      .default(sql`'{}'::jsonb`),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // The key first: with merchant_id leading, a generic plan made while the table had no
  // statistics could use this index's merchant_id prefix for "merchant_id = $1 and id = $2"
  // and scan every payment of the merchant (migration 0006).
  (t) => [
    primaryKey({ columns: [t.merchantId, t.id] }),
    uniqueIndex('payments_idempotency_key_uq').on(t.idempotencyKey, t.merchantId),
    // The lifecycle sweep's lapsed authorizations and reviews (every 2 s), without a scan of every payment.
    index('payments_lapsed_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} in ('AUTHORIZED', 'PENDING')`),
  ],
);

/** The audit trail: every state change of a payment, when and why. */
export const paymentEvents = paymentsSchema.table(
  'payment_events',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    merchantId: text('merchant_id').notNull(),
    paymentId: text('payment_id').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
    /** The transactional outbox: set once the relay has published the event (JetStream). */
    publishedAt: timestamp('published_at', { withTimezone: true }),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
  },
  (t) => [
    index('payment_events_payment_idx').on(t.merchantId, t.paymentId, t.id),
    index('payment_events_unpublished_idx')
      .on(t.id)
      .where(sql`${t.publishedAt} is null`),
  ],
);

/** Refunds of a captured payment, at its original rate; several partial ones up to what was captured. */
export const refunds = paymentsSchema.table(
  'refunds',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    paymentId: text('payment_id').notNull(),
    /** In the payment currency. */
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    /** What went back to the source, in the debit currency. */
    debitBackMinor: bigint('debit_back_minor', { mode: 'bigint' }),
    status: text('status').notNull(),
    failureCode: text('failure_code'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('refunds_payment_idx').on(t.merchantId, t.paymentId, t.createdAt)],
);

/**
 * Idempotency of the follow-up POSTs (capture, cancel, review, refund): the first answer under a
 * key is stored and replayed; another body under the same key is refused. Purged after 24 h.
 */
export const idempotencyKeys = paymentsSchema.table(
  'idempotency_keys',
  {
    merchantId: text('merchant_id').notNull(),
    key: text('key').notNull(),
    operation: text('operation').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/**
 * Webhook endpoints of a merchant: where signed payment events are POSTed. The secret signs each
 * attempt (HMAC-SHA256); deleting keeps the row (and its deliveries' history) with `deleted_at`.
 */
export const webhookEndpoints = paymentsSchema.table(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    url: text('url').notNull(),
    /** Event types (`payment.captured`, …) or `['*']`. */
    events: jsonb('events').$type<string[]>().notNull(),
    description: text('description'),
    secret: text('secret').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('webhook_endpoints_merchant_idx').on(t.merchantId, t.createdAt)],
);

/**
 * One event to one endpoint: unique on (endpoint, event), so a redelivered event records nothing
 * twice. Workers claim due rows (`for update skip locked`, `claimed_until`) so replicas never send
 * the same attempt concurrently.
 */
export const webhookDeliveries = paymentsSchema.table(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    merchantId: text('merchant_id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The JSON body sent, `{id, type, created, data}`, exactly as signed. */
    payload: text('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    claimToken: text('claim_token'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_uq').on(t.endpointId, t.eventId),
    index('webhook_deliveries_endpoint_idx').on(t.merchantId, t.endpointId, t.id),
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/** Every attempt of a delivery: when, the HTTP status or the error, how long it took. */
export const webhookAttempts = paymentsSchema.table(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    deliveryId: bigint('delivery_id', { mode: 'bigint' }).notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    trigger: text('trigger').notNull(),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id)],
);
