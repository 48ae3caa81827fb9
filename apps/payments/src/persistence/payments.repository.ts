import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, getTableColumns, inArray, lt, lte, or, sql } from 'drizzle-orm';
import {
  BatchResult,
  Db,
  InjectDb,
  KeyedBatcher,
  PLAN_EACH_TIME,
  jsonPatch,
  queryRows,
  retryTransaction,
  rowOf,
  runStatement,
} from '@paygate/database';
import { idempotencyKeys, paymentEvents, payments, refunds } from './schema';

export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type EventRow = typeof paymentEvents.$inferSelect;
export type NewPayment = Pick<
  typeof payments.$inferInsert,
  | 'id'
  | 'idempotencyKey'
  | 'requestHash'
  | 'currency'
  | 'amountMinor'
  | 'sourceAccount'
  | 'destinationAccount'
  | 'metadata'
  | 'quoteId'
  | 'captureMethod'
>;

/** What claiming a payment id and idempotency key found. */
export type Claim =
  /** This attempt owns the payment (new, or resumed after the previous attempt's lease ran out). */
  | { kind: 'owned'; row: PaymentRow; resumed: boolean }
  /** Finished earlier: replay it. */
  | { kind: 'done'; row: PaymentRow }
  | { kind: 'in_progress'; row: PaymentRow }
  | { kind: 'key_reused'; row: PaymentRow }
  | { kind: 'id_exists' };

export type Outcome = Pick<
  typeof payments.$inferInsert,
  | 'status'
  | 'failureCode'
  | 'failureMessage'
  | 'failureDetails'
  | 'risk'
  | 'fx'
  | 'debitCurrency'
  | 'debitAmountMinor'
  | 'creditCurrency'
  | 'creditAmountMinor'
  | 'capturedAmountMinor'
  | 'expiresAt'
>;

/**
 * Persistence of payments (owns the `payments` schema). Every write is a short autocommit
 * statement: no transaction is ever held open while payments calls another service.
 */
@Injectable()
export class PaymentsRepository {
  /** A merchant's first claim statements (CLAIM's values) that arrive while one runs: one statement. */
  private readonly claims = new KeyedBatcher<unknown[], ClaimedRow | undefined>((items) => this.claimBatch(items));
  /** A merchant's fenced final states that arrive while one batch runs: the next statement. */
  private readonly writes = new KeyedBatcher<FencedWrite, PaymentRow | undefined>((items) => this.writeBatch(items));

  constructor(@InjectDb() private readonly db: Db) {}

  /**
   * Records the payment as PROCESSING, leased to this attempt until `leaseUntil`, or reports
   * what already holds its idempotency key or id. A PROCESSING payment whose lease ran out (its
   * attempt crashed or gave up) is taken over: every step after it is idempotent.
   */
  async claim(merchantId: string, p: NewPayment, leaseUntil: Date, now: Date): Promise<Claim> {
    // The usual cases in one round trip: a new payment is inserted, or a finished one is found
    // under its key (a replay). Anything else (a conflict on the id, a PROCESSING one, a race
    // with a concurrent insert) takes the steps below.
    const first = await this.claims.submit(merchantId, [
      merchantId,
      p.id,
      p.idempotencyKey,
      p.requestHash,
      p.currency,
      p.amountMinor.toString(),
      p.sourceAccount,
      p.destinationAccount,
      JSON.stringify(p.metadata ?? {}),
      p.quoteId ?? null,
      p.captureMethod ?? 'automatic',
      leaseUntil.toISOString(),
    ]);
    if (first) {
      const row = rowOf(payments, first);
      if (first.inserted) return { kind: 'owned', row, resumed: false };
      if (row.requestHash !== p.requestHash) return { kind: 'key_reused', row };
      if (row.status !== 'PROCESSING') return { kind: 'done', row };
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db
        .insert(payments)
        .values({ ...p, merchantId, status: 'PROCESSING', step: 'accounts', leaseExpiresAt: leaseUntil })
        .onConflictDoNothing()
        .returning();
      if (inserted[0]) return { kind: 'owned', row: inserted[0], resumed: false };

      const [byKey] = await this.db
        .select()
        .from(payments)
        .where(and(eq(payments.merchantId, merchantId), eq(payments.idempotencyKey, p.idempotencyKey)));
      if (!byKey) {
        const [byId] = await this.db
          .select({ id: payments.id, idempotencyKey: payments.idempotencyKey })
          .from(payments)
          .where(and(eq(payments.merchantId, merchantId), eq(payments.id, p.id)));
        if (byId && byId.idempotencyKey !== p.idempotencyKey) return { kind: 'id_exists' };
        // Released by a failed attempt in between (and maybe re-inserted under this same key by a
        // concurrent claim since): look again.
        continue;
      }
      if (byKey.requestHash !== p.requestHash) return { kind: 'key_reused', row: byKey };
      if (byKey.status !== 'PROCESSING') return { kind: 'done', row: byKey };
      const [taken] = await this.db
        .update(payments)
        .set({ leaseExpiresAt: leaseUntil, updatedAt: sql`now()` })
        .where(
          and(
            eq(payments.merchantId, merchantId),
            eq(payments.id, byKey.id),
            eq(payments.status, 'PROCESSING'),
            lt(payments.leaseExpiresAt, now),
          ),
        )
        .returning();
      return taken ? { kind: 'owned', row: taken, resumed: true } : { kind: 'in_progress', row: byKey };
    }
    throw new Error(`payment ${p.id}: could not claim after 3 attempts`);
  }

  /**
   * CLAIM for several payments in one statement: each new payment inserted, or a payment found
   * under its key. A payment inserted is given to the first item with its id and key only; an
   * item with no row (a duplicate in the batch, a conflict on the id) takes claim's other steps.
   */
  private async claimBatch(items: unknown[][]): Promise<Array<BatchResult<ClaimedRow | undefined>>> {
    if (items.length === 1) {
      const [row] = await runStatement<ClaimedRow>(this.db, CLAIM, items[0]);
      return [{ ok: true, value: row }];
    }
    const rows = await runStatement<ClaimedRow & { item: number }>(this.db, CLAIM_MANY, [
      items[0][0],
      JSON.stringify(items.map((v) => v.slice(1))),
    ]);
    const byItem = new Map(rows.map((r) => [Number(r.item), r]));
    return items.map((_, i) => ({ ok: true, value: byItem.get(i + 1) }));
  }

  async find(merchantId: string, id: string): Promise<PaymentRow | undefined> {
    const [raw] = await runStatement<Record<string, unknown>>(
      this.db,
      'select * from payments.payments where merchant_id = $1 and id = $2',
      [merchantId, id],
    );
    return raw && rowOf(payments, raw);
  }

  /**
   * The final state, if this attempt still owns the payment (it is PROCESSING under this
   * attempt's lease); otherwise nothing changes and `undefined` says the attempt lost it.
   */
  async finish(attempt: Attempt, outcome: Outcome): Promise<PaymentRow | undefined> {
    const reason =
      outcome.failureCode ?? (outcome.status === 'PENDING' ? 'risk review' : outcome.status === 'AUTHORIZED' ? 'authorized' : 'captured');
    const patch = jsonPatch(payments, { ...outcome, step: null, leaseExpiresAt: null });
    return this.writes.submit(attempt.merchantId, { attempt, patch, reason });
  }

  /**
   * Final states of several attempts in one statement (atomic on its own): each updates its
   * payment only while its attempt owns it, and adds its audit event from the updated row, so
   * there is an event exactly when the update happened. A deadlock with
   * another replica's batch runs the statement again.
   */
  private async writeBatch(items: FencedWrite[]): Promise<Array<BatchResult<PaymentRow | undefined>>> {
    const [w] = items;
    const [text, params] =
      items.length === 1
        ? [FENCED_WRITE, [JSON.stringify(w.patch), w.attempt.merchantId, w.attempt.id, w.attempt.lease.toISOString(), w.reason]]
        : [FENCED_WRITES, [JSON.stringify(items.map(fencedItem)), w.attempt.merchantId, items.map((x) => x.attempt.id)]];
    const rows = await retryTransaction(() => runStatement<Record<string, unknown>>(this.db, text, params));
    const byItem = new Map(rows.map((r) => [Number(r.item), r]));
    return items.map((_, i) => {
      const raw = byItem.get(i + 1);
      return { ok: true, value: raw && rowOf(payments, raw) };
    });
  }

  /**
   * Moves a payment from one of `from` to `to` with its changes and one audit event, in one
   * local transaction; `undefined` when it is no longer in one of `from` (someone else moved it).
   */
  async transition(
    merchantId: string,
    id: string,
    from: readonly string[],
    to: string,
    reason: string,
    changes: Partial<typeof payments.$inferInsert> = {},
  ): Promise<PaymentRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [before] = await tx
        .select({ status: payments.status })
        .from(payments)
        .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id), inArray(payments.status, [...from])))
        .for('update');
      if (!before) return undefined;
      const [row] = await tx
        .update(payments)
        .set({ ...changes, status: to, updatedAt: sql`now()` })
        .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id)))
        .returning();
      await tx.insert(paymentEvents).values({ merchantId, paymentId: id, fromStatus: before.status, toStatus: to, reason });
      return row;
    });
  }

  /** Adds a succeeded refund to the payment: PARTIALLY_REFUNDED, or REFUNDED once all is refunded. */
  async applyRefund(merchantId: string, id: string, refundMinor: bigint, refundId: string): Promise<PaymentRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [before] = await tx
        .select()
        .from(payments)
        .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id)))
        .for('update');
      if (!before) return undefined;
      const refunded = before.refundedAmountMinor + refundMinor;
      const status = refunded >= (before.capturedAmountMinor ?? before.amountMinor) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
      const [row] = await tx
        .update(payments)
        .set({ refundedAmountMinor: refunded, status, updatedAt: sql`now()` })
        .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id)))
        .returning();
      await tx
        .insert(paymentEvents)
        .values({ merchantId, paymentId: id, fromStatus: before.status, toStatus: status, reason: `refund ${refundId}` });
      return row;
    });
  }

  /** Payments of a merchant (optionally from or to one account), newest first; cursor = `created_at|id` of the last seen. */
  async list(
    merchantId: string,
    limit: number,
    account?: string,
    cursor?: { createdAt: Date; id: string },
  ): Promise<{ rows: PaymentRow[]; hasMore: boolean }> {
    // Millisecond precision on both sides: the cursor carries a JavaScript date.
    const at = sql`date_trunc('milliseconds', ${payments.createdAt})`;
    const conditions = [eq(payments.merchantId, merchantId)];
    if (account) conditions.push(or(eq(payments.sourceAccount, account), eq(payments.destinationAccount, account))!);
    if (cursor) conditions.push(sql`(${at}, ${payments.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id})`);
    const rows = await this.db
      .select()
      .from(payments)
      .where(and(...conditions))
      .orderBy(desc(at), desc(payments.id))
      .limit(limit + 1);
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** Payments whose AUTHORIZED or PENDING time ran out. */
  async lapsed(now: Date, limit = 50): Promise<PaymentRow[]> {
    return this.db
      .select()
      .from(payments)
      .where(and(inArray(payments.status, ['AUTHORIZED', 'PENDING']), lte(payments.expiresAt, now)))
      .orderBy(asc(payments.expiresAt))
      .limit(limit);
  }

  async events(merchantId: string, id: string) {
    return this.db
      .select()
      .from(paymentEvents)
      .where(and(eq(paymentEvents.merchantId, merchantId), eq(paymentEvents.paymentId, id)))
      .orderBy(asc(paymentEvents.id));
  }

  async insertRefund(r: typeof refunds.$inferInsert): Promise<RefundRow> {
    const [row] = await this.db.insert(refunds).values(r).returning();
    return row;
  }

  async updateRefund(merchantId: string, id: string, changes: Partial<typeof refunds.$inferInsert>): Promise<RefundRow> {
    const [row] = await this.db
      .update(refunds)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(refunds.merchantId, merchantId), eq(refunds.id, id)))
      .returning();
    return row;
  }

  async refundsOf(merchantId: string, paymentId: string): Promise<RefundRow[]> {
    return this.db
      .select()
      .from(refunds)
      .where(and(eq(refunds.merchantId, merchantId), eq(refunds.paymentId, paymentId)))
      .orderBy(asc(refunds.createdAt), asc(refunds.id));
  }

  /** Claims an idempotency key for an operation, or says what already holds it. */
  async claimKey(
    merchantId: string,
    key: string,
    operation: string,
    requestHash: string,
    lockedUntil: Date,
    now: Date,
  ): Promise<{ kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown } | { kind: 'reused' } | { kind: 'in_progress' }> {
    const inserted = await this.db
      .insert(idempotencyKeys)
      .values({ merchantId, key, operation, requestHash, lockedUntil })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted[0]) return { kind: 'claimed' };
    const [row] = await this.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)));
    if (!row) return this.claimKey(merchantId, key, operation, requestHash, lockedUntil, now);
    if (row.operation !== operation || row.requestHash !== requestHash) return { kind: 'reused' };
    if (row.responseStatus !== null) return { kind: 'replay', status: row.responseStatus, body: row.responseBody };
    const [taken] = await this.db
      .update(idempotencyKeys)
      .set({ lockedUntil })
      .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key), lt(idempotencyKeys.lockedUntil, now)))
      .returning({ key: idempotencyKeys.key });
    return taken ? { kind: 'claimed' } : { kind: 'in_progress' };
  }

  async storeKeyResponse(merchantId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.db
      .update(idempotencyKeys)
      .set({ responseStatus: status, responseBody: body, lockedUntil: null })
      .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)));
  }

  async releaseKey(merchantId: string, key: string): Promise<void> {
    await this.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key)));
  }

  /** Forgets stored answers older than `before` (24 h at least). */
  async purgeKeys(before: Date): Promise<number> {
    const rows = await this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).returning({ key: idempotencyKeys.key });
    return rows.length;
  }

  /**
   * Takes over PROCESSING payments whose attempt's lease ran out (it crashed or gave up), with a
   * new lease for the recovery: each row is taken by one taker only.
   */
  async takeOverStale(now: Date, leaseUntil: Date, limit = 20): Promise<PaymentRow[]> {
    const stale = await this.db
      .select({ merchantId: payments.merchantId, id: payments.id })
      .from(payments)
      .where(and(eq(payments.status, 'PROCESSING'), lt(payments.leaseExpiresAt, now)))
      .limit(limit);
    const taken: PaymentRow[] = [];
    for (const s of stale) {
      const [row] = await this.db
        .update(payments)
        .set({ leaseExpiresAt: leaseUntil, updatedAt: sql`now()` })
        .where(
          and(
            eq(payments.merchantId, s.merchantId),
            eq(payments.id, s.id),
            eq(payments.status, 'PROCESSING'),
            lt(payments.leaseExpiresAt, now),
          ),
        )
        .returning();
      if (row) taken.push(row);
    }
    return taken;
  }

  /**
   * Claims unpublished events for the outbox relay (a claim lapses after `claimMs`, so a relay
   * that dies mid-way leaves them to another): oldest first, with their payment. One statement,
   * whose cost does not grow with the tables (see CLAIM_EVENTS).
   */
  async claimUnpublished(limit: number, claimMs: number): Promise<Array<{ event: EventRow; payment: PaymentRow | undefined }>> {
    const rows = await runStatement<Record<string, unknown>>(this.db, CLAIM_EVENTS, [limit, claimMs]);
    return rows.map((raw) => ({
      event: rowOf(paymentEvents, raw),
      payment: raw[`${PAYMENT_PREFIX}id`] == null ? undefined : rowOf(payments, unprefixed(raw)),
    }));
  }

  async oldestUnpublished(): Promise<Date | undefined> {
    const [row] = await queryRows<{ at: Date | null }>(
      this.db,
      sql`select min(created_at) as at from payments.payment_events where published_at is null`,
    );
    return row?.at ? new Date(row.at) : undefined;
  }

  /** Marks claimed events published (an event another relay published meanwhile keeps its first time). */
  async markPublished(ids: bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await runStatement(this.db, MARK_PUBLISHED, [ids.map(String)]);
  }

  async listEvents(
    merchantId: string,
    limit: number,
    paymentId?: string,
    before?: bigint,
  ): Promise<{ rows: EventRow[]; hasMore: boolean }> {
    const conditions = [eq(paymentEvents.merchantId, merchantId)];
    if (paymentId) conditions.push(eq(paymentEvents.paymentId, paymentId));
    if (before !== undefined) conditions.push(lt(paymentEvents.id, before));
    const rows = await this.db
      .select()
      .from(paymentEvents)
      .where(and(...conditions))
      .orderBy(desc(paymentEvents.id))
      .limit(limit + 1);
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** Forgets a payment whose attempt failed before any money could move (a retry runs it anew), if this attempt still owns it. */
  async release(attempt: Attempt): Promise<void> {
    await this.db.delete(payments).where(owned(attempt));
  }
}

/**
 * One attempt at a PROCESSING payment, fenced by the lease it claimed: a late attempt whose
 * lease was taken over by a retry can no longer change or delete the payment.
 */
export interface Attempt {
  merchantId: string;
  id: string;
  lease: Date;
}

export function attemptOf(row: PaymentRow): Attempt {
  if (!row.leaseExpiresAt) throw new Error(`payment ${row.id} is not leased`);
  return { merchantId: row.merchantId, id: row.id, lease: row.leaseExpiresAt };
}

/** The claim: insert, or else the payment already under this idempotency key (`inserted` tells which). */
const CLAIM = `
  with ins as (
    insert into payments.payments (merchant_id, id, idempotency_key, request_hash, status, step, currency, amount_minor,
                                   source_account, destination_account, metadata, quote_id, capture_method, lease_expires_at)
    values ($1, $2, $3, $4, 'PROCESSING', 'accounts', $5, $6, $7, $8, $9, $10, $11, $12)
    on conflict do nothing returning *)
  select true as inserted, * from ins
  union all
  select false, p.* from payments.payments p
   where p.merchant_id = $1 and p.idempotency_key = $3 and not exists (select 1 from ins)`;

type ClaimedRow = Record<string, unknown> & { inserted: boolean };

/**
 * CLAIM for several payments of merchant $1 (`payments.claim_many`, migration 0008): $2 is a JSON
 * array of CLAIM's values $2…$12 per item (id, key, hash, currency, amount, source, destination,
 * metadata as JSON text, quote, capture, lease); `item` is the 1-based position of the item a row
 * answers. A function of single-row statements, planned once per connection.
 */
const CLAIM_MANY = `select c.item, c.inserted, (c.payment).* from payments.claim_many($1, $2::jsonb) c`;

/** A final state of one attempt, fenced by its lease: `reason` is its audit event's. */
interface FencedWrite {
  attempt: Attempt;
  patch: Record<string, unknown>;
  reason: string;
}

/** The columns an attempt's writes may change (all but the key and the timestamps). */
const PATCHABLE = Object.values(getTableColumns(payments))
  .map((c) => `"${c.name}"`)
  .filter((c) => !['"merchant_id"', '"id"', '"created_at"', '"updated_at"'].includes(c));

/**
 * $1: [{m, id, lease, reason, patch}], all of merchant $2, payment ids $3 (so that the rows are
 * found by the primary key, not by a scan joined to the list). Each payment's columns not in its
 * patch keep their values (`jsonb_populate_record` over the row); `item` is the 1-based position
 * of the write.
 */
const FENCED_WRITES = `${PLAN_EACH_TIME}
  with v as (
    select w.n as item, w.value->>'m' as merchant_id, w.value->>'id' as id, (w.value->>'lease')::timestamptz as lease,
           w.value->>'reason' as reason, w.value->'patch' as patch
      from jsonb_array_elements($1::jsonb) with ordinality as w(value, n)),
  u as (
    update payments.payments p
       set (${PATCHABLE.join(', ')}) = (select ${PATCHABLE.map((c) => `r.${c}`).join(', ')} from jsonb_populate_record(p, v.patch) r),
           updated_at = now()
      from v
     where p.merchant_id = $2 and p.id = any($3::text[])
       and p.merchant_id = v.merchant_id and p.id = v.id and p.status = 'PROCESSING' and p.lease_expires_at = v.lease
    returning p.*, v.item, v.reason),
  e as (
    insert into payments.payment_events (merchant_id, payment_id, from_status, to_status, reason)
    select merchant_id, id, 'PROCESSING', status, reason from u order by item)
  select * from u`;

/**
 * FENCED_WRITES for one write (what a batch of one is at low rates): prepared, since a lookup by
 * the primary key has one plan whatever the table's size. Planning the batch statement every
 * time cost PostgreSQL 2.6 times its execution (pg_stat_statements, track_planning).
 * $1 patch, $2 merchant, $3 payment id, $4 lease, $5 reason.
 */
const FENCED_WRITE = `
  with u as (
    update payments.payments p
       set (${PATCHABLE.join(', ')}) = (select ${PATCHABLE.map((c) => `r.${c}`).join(', ')} from jsonb_populate_record(p, $1::jsonb) r),
           updated_at = now()
     where p.merchant_id = $2 and p.id = $3 and p.status = 'PROCESSING' and p.lease_expires_at = $4::timestamptz
    returning p.*, 1 as item, $5::text as reason),
  e as (
    insert into payments.payment_events (merchant_id, payment_id, from_status, to_status, reason)
    select merchant_id, id, 'PROCESSING', status, reason from u)
  select * from u`;

function fencedItem(w: FencedWrite) {
  return { m: w.attempt.merchantId, id: w.attempt.id, lease: w.attempt.lease.toISOString(), reason: w.reason, patch: w.patch };
}

function owned(a: Attempt) {
  return and(
    eq(payments.merchantId, a.merchantId),
    eq(payments.id, a.id),
    eq(payments.status, 'PROCESSING'),
    eq(payments.leaseExpiresAt, a.lease),
  );
}

/** Payment columns in CLAIM_EVENTS' rows carry this prefix (the event's own columns share names with the payment's). */
const PAYMENT_PREFIX = 'payment.';

function unprefixed(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (k.startsWith(PAYMENT_PREFIX)) out[k.slice(PAYMENT_PREFIX.length)] = v;
  return out;
}

/**
 * The relay's claim and read in one statement ($1 how many, $2 the claim in ms). Each part is
 * written so that no plan depends on the tables' statistics (this kind of machine runs without
 * autovacuum, so a table may never be analysed): the claimed ids come from the unpublished
 * index as an array (an init plan), updated through the primary key, and each event's payment
 * is one primary-key lookup (a lateral subquery with a limit is never flattened into a join).
 * As a plain join, PostgreSQL hashed a full scan of every payment and every event on each pass
 * (7.5 ms per pass of 100 events at 5,000 payments, and growing with them).
 */
const CLAIM_EVENTS = `with c as (
    update payments.payment_events e set claimed_until = now() + ($2::integer * interval '1 millisecond')
     where e.id = any(array(select u.id from payments.payment_events u
                             where u.published_at is null and (u.claimed_until is null or u.claimed_until < now())
                             order by u.id limit $1::integer for update skip locked))
    returning e.*)
  select c.*, ${Object.values(getTableColumns(payments))
    .map((col) => `p."${col.name}" as "${PAYMENT_PREFIX}${col.name}"`)
    .join(', ')}
    from c left join lateral (select * from payments.payments p where p.merchant_id = c.merchant_id and p.id = c.payment_id limit 1) p on true
   order by c.id`;

/** Through the small unpublished index, never a scan of every event ($1 the ids, bigint[]). */
const MARK_PUBLISHED = `update payments.payment_events set published_at = now(), claimed_until = null
   where published_at is null and id = any($1::bigint[])`;
