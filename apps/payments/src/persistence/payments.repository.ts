import { Injectable } from '@nestjs/common';
import { and, eq, lt, sql } from 'drizzle-orm';
import { Db, InjectDb } from '@paygate/database';
import { payments } from './schema';

export type PaymentRow = typeof payments.$inferSelect;
export type NewPayment = Pick<
  typeof payments.$inferInsert,
  'id' | 'idempotencyKey' | 'requestHash' | 'currency' | 'amountMinor' | 'sourceAccount' | 'destinationAccount' | 'metadata' | 'quoteId'
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
>;

/**
 * Persistence of payments (owns the `payments` schema). Every write is a short autocommit
 * statement: no transaction is ever held open while payments calls another service.
 */
@Injectable()
export class PaymentsRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  /**
   * Records the payment as PROCESSING, leased to this attempt until `leaseUntil`, or reports
   * what already holds its idempotency key or id. A PROCESSING payment whose lease ran out (its
   * attempt crashed or gave up) is taken over: every step after it is idempotent.
   */
  async claim(merchantId: string, p: NewPayment, leaseUntil: Date, now: Date): Promise<Claim> {
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
          .select({ id: payments.id })
          .from(payments)
          .where(and(eq(payments.merchantId, merchantId), eq(payments.id, p.id)));
        if (byId) return { kind: 'id_exists' };
        continue; // released by a failed attempt in between: insert again
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

  async find(merchantId: string, id: string): Promise<PaymentRow | undefined> {
    const [row] = await this.db
      .select()
      .from(payments)
      .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id)));
    return row;
  }

  /** Records progress (its step, and what it has decided so far), if this attempt still owns the payment. */
  async progress(attempt: Attempt, step: string, fields: Partial<Outcome> = {}): Promise<void> {
    await this.db
      .update(payments)
      .set({ ...fields, step, updatedAt: sql`now()` })
      .where(owned(attempt));
  }

  /**
   * The final state, if this attempt still owns the payment (it is PROCESSING under this
   * attempt's lease); otherwise nothing changes and `undefined` says the attempt lost it.
   */
  async finish(attempt: Attempt, outcome: Outcome): Promise<PaymentRow | undefined> {
    const [row] = await this.db
      .update(payments)
      .set({ ...outcome, step: null, leaseExpiresAt: null, updatedAt: sql`now()` })
      .where(owned(attempt))
      .returning();
    return row;
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

function owned(a: Attempt) {
  return and(
    eq(payments.merchantId, a.merchantId),
    eq(payments.id, a.id),
    eq(payments.status, 'PROCESSING'),
    eq(payments.leaseExpiresAt, a.lease),
  );
}
