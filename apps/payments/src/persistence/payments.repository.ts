import { Injectable } from '@nestjs/common';
import { and, eq, lt, sql } from 'drizzle-orm';
import { Db, InjectDb } from '@paygate/database';
import { payments } from './schema';

export type PaymentRow = typeof payments.$inferSelect;
export type NewPayment = Pick<
  typeof payments.$inferInsert,
  'id' | 'idempotencyKey' | 'requestHash' | 'currency' | 'amountMinor' | 'sourceAccount' | 'destinationAccount' | 'metadata'
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

  /** Records progress of a PROCESSING payment (its step, and what it has decided so far). */
  async progress(merchantId: string, id: string, step: string, fields: Partial<Outcome> = {}): Promise<void> {
    await this.db
      .update(payments)
      .set({ ...fields, step, updatedAt: sql`now()` })
      .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id), eq(payments.status, 'PROCESSING')));
  }

  /** The final state. Only a PROCESSING payment moves; the row as stored is returned either way. */
  async finish(merchantId: string, id: string, outcome: Outcome): Promise<PaymentRow> {
    const [row] = await this.db
      .update(payments)
      .set({ ...outcome, step: null, leaseExpiresAt: null, updatedAt: sql`now()` })
      .where(and(eq(payments.merchantId, merchantId), eq(payments.id, id), eq(payments.status, 'PROCESSING')))
      .returning();
    return row ?? (await this.find(merchantId, id))!;
  }

  /** Forgets a payment whose attempt failed before any money could move: a retry runs it anew. */
  async release(merchantId: string, id: string): Promise<void> {
    await this.db.delete(payments).where(and(eq(payments.merchantId, merchantId), eq(payments.id, id), eq(payments.status, 'PROCESSING')));
  }
}
