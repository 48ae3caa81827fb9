import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { BatchResult, Db, InjectDb, KeyedBatcher, queryRows, rowOf, runStatement } from '@paygate/database';
import { randomBytes } from 'node:crypto';
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from '../persistence/schema';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;
export type NewDelivery = Pick<typeof webhookDeliveries.$inferInsert, 'merchantId' | 'endpointId' | 'eventId' | 'eventType' | 'payload'>;

/** An endpoint that may receive events, and when it was created (µs since the epoch). */
interface LiveEndpoint {
  row: EndpointRow;
  createdMicros: bigint;
}

const LIVE_ENDPOINTS = `select *, (extract(epoch from created_at) * 1000000)::bigint::text as created_micros
  from payments.webhook_endpoints where merchant_id = $1 and deleted_at is null`;

/** A delivery claimed by a worker, with what it needs to send it. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  url: string;
  secret: string;
}

export interface AttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  trigger: 'automatic' | 'manual';
}

/** The delivery's state after an attempt (applied only while it is still pending, for automatic ones). */
export interface DeliveryNext {
  status: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: Date | null;
}

/**
 * Persistence of webhook endpoints, deliveries and attempts (tables of the `payments` schema).
 * Short statements and local transactions only; nothing is held open while a webhook is sent.
 */
@Injectable()
export class WebhooksRepository {
  /** A merchant's endpoint lookups that arrive while one runs (events relayed together): one statement. */
  private readonly live = new KeyedBatcher<string, LiveEndpoint[]>((merchants) => this.liveEndpoints(merchants));

  constructor(@InjectDb() private readonly db: Db) {}

  async createEndpoint(row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
    const [created] = await this.db.insert(webhookEndpoints).values(row).returning();
    return created;
  }

  async findEndpoint(merchantId: string, id: string): Promise<EndpointRow | undefined> {
    const [row] = await this.db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.merchantId, merchantId), eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)));
    return row;
  }

  /** Newest first; `startingAfter` is the last id of the previous page. */
  async listEndpoints(merchantId: string, limit: number, startingAfter?: string): Promise<{ rows: EndpointRow[]; hasMore: boolean }> {
    const conditions = [eq(webhookEndpoints.merchantId, merchantId), isNull(webhookEndpoints.deletedAt)];
    if (startingAfter) {
      const [cursor] = await this.db
        .select({ createdAt: webhookEndpoints.createdAt, id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.merchantId, merchantId), eq(webhookEndpoints.id, startingAfter)));
      if (!cursor) return { rows: [], hasMore: false };
      conditions.push(
        or(
          lt(webhookEndpoints.createdAt, cursor.createdAt),
          and(eq(webhookEndpoints.createdAt, cursor.createdAt), lt(webhookEndpoints.id, cursor.id)),
        )!,
      );
    }
    const rows = await this.db
      .select()
      .from(webhookEndpoints)
      .where(and(...conditions))
      .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
      .limit(limit + 1);
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async rotateSecret(merchantId: string, id: string, secret: string): Promise<EndpointRow | undefined> {
    const [row] = await this.db
      .update(webhookEndpoints)
      .set({ secret, updatedAt: sql`now()` })
      .where(and(eq(webhookEndpoints.merchantId, merchantId), eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)))
      .returning();
    return row;
  }

  /** Marks the endpoint deleted and cancels what is still pending for it, in one transaction. */
  async deleteEndpoint(merchantId: string, id: string): Promise<EndpointRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(webhookEndpoints)
        .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(webhookEndpoints.merchantId, merchantId), eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)))
        .returning();
      if (row) {
        await tx
          .update(webhookDeliveries)
          .set({ status: 'canceled', nextAttemptAt: null, updatedAt: sql`now()` })
          .where(and(eq(webhookDeliveries.endpointId, id), eq(webhookDeliveries.status, 'pending')));
      }
      return row;
    });
  }

  /** The merchant's live endpoints that take `eventType` and existed when the event happened. */
  async matchingEndpoints(merchantId: string, eventType: string, eventCreatedAt: Date): Promise<EndpointRow[]> {
    const eventMicros = BigInt(eventCreatedAt.getTime()) * 1000n;
    const live = await this.live.submit(merchantId, merchantId);
    return live
      .filter((ep) => ep.createdMicros <= eventMicros && (ep.row.events.includes('*') || ep.row.events.includes(eventType)))
      .map((ep) => ep.row);
  }

  /** The merchant's endpoints not deleted, with their creation time to the microsecond (as the database compares it). */
  private async liveEndpoints(merchants: string[]): Promise<Array<BatchResult<LiveEndpoint[]>>> {
    const rows = await runStatement<Record<string, unknown> & { created_micros: string }>(this.db, LIVE_ENDPOINTS, [merchants[0]]);
    const live = rows.map((r) => ({ row: rowOf(webhookEndpoints, r), createdMicros: BigInt(r.created_micros) }));
    return merchants.map(() => ({ ok: true, value: live }));
  }

  /** Records deliveries due now; one per (endpoint, event) ever, so a redelivered event adds nothing. */
  async recordDeliveries(rows: NewDelivery[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await this.db
      .insert(webhookDeliveries)
      .values(rows.map((r) => ({ ...r, status: 'pending', nextAttemptAt: sql`now()` })))
      .onConflictDoNothing({ target: [webhookDeliveries.endpointId, webhookDeliveries.eventId] })
      .returning({ id: webhookDeliveries.id });
    return inserted.length;
  }

  /**
   * Claims up to `limit` due pending deliveries for `claimMs` (`for update skip locked`: replicas
   * never take the same one); a claim that ran out (its worker died) is taken over.
   */
  async claimDue(limit: number, claimMs: number): Promise<ClaimedDelivery[]> {
    const token = randomBytes(8).toString('hex');
    const claimed = await queryRows<{ id: string }>(
      this.db,
      sql`update payments.webhook_deliveries set claimed_until = now() + (${claimMs} * interval '1 millisecond'), claim_token = ${token}
           where id in (select id from payments.webhook_deliveries
                         where status = 'pending' and next_attempt_at <= now()
                           and (claimed_until is null or claimed_until < now())
                         order by next_attempt_at limit ${limit} for update skip locked)
          returning id::text`,
    );
    if (claimed.length === 0) return [];
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(
        and(
          inArray(
            webhookDeliveries.id,
            claimed.map((c) => BigInt(c.id)),
          ),
          eq(webhookDeliveries.claimToken, token),
        ),
      )
      .orderBy(asc(webhookDeliveries.nextAttemptAt));
    return rows.map((r) => ({ delivery: r.webhook_deliveries, url: r.webhook_endpoints.url, secret: r.webhook_endpoints.secret }));
  }

  /**
   * Records an attempt and its consequence in one transaction. An automatic attempt updates the
   * delivery only under its own claim and only while it is still pending (a manual replay may have
   * delivered it meanwhile); a manual one marks it delivered on success and otherwise leaves its
   * status and schedule alone.
   */
  async recordAttempt(
    deliveryId: bigint,
    claimToken: string | null,
    attempt: AttemptRecord,
    next: DeliveryNext | null,
  ): Promise<DeliveryRow | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.insert(webhookAttempts).values({ deliveryId, ...attempt });
      const common = {
        attemptCount: sql`${webhookDeliveries.attemptCount} + 1`,
        lastStatusCode: attempt.statusCode,
        lastError: attempt.error,
        updatedAt: sql`now()`,
      };
      if (claimToken !== null && next) {
        const [row] = await tx
          .update(webhookDeliveries)
          .set({
            ...common,
            status: sql`case when ${webhookDeliveries.status} = 'pending' then ${next.status} else ${webhookDeliveries.status} end`,
            nextAttemptAt: sql`case when ${webhookDeliveries.status} = 'pending' then ${next.nextAttemptAt?.toISOString() ?? null}::timestamptz else ${webhookDeliveries.nextAttemptAt} end`,
            deliveredAt:
              next.status === 'delivered' ? sql`coalesce(${webhookDeliveries.deliveredAt}, now())` : webhookDeliveries.deliveredAt,
            claimedUntil: null,
            claimToken: null,
          })
          .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.claimToken, claimToken)))
          .returning();
        return row;
      }
      const delivered = next?.status === 'delivered';
      const [row] = await tx
        .update(webhookDeliveries)
        .set(
          delivered
            ? {
                ...common,
                status: 'delivered',
                nextAttemptAt: null,
                deliveredAt: sql`coalesce(${webhookDeliveries.deliveredAt}, now())`,
              }
            : common,
        )
        .where(eq(webhookDeliveries.id, deliveryId))
        .returning();
      return row;
    });
  }

  /** Newest first. */
  async listDeliveries(
    merchantId: string,
    endpointId: string,
    limit: number,
    before?: bigint,
    status?: string,
  ): Promise<{ rows: DeliveryRow[]; hasMore: boolean }> {
    const conditions = [eq(webhookDeliveries.merchantId, merchantId), eq(webhookDeliveries.endpointId, endpointId)];
    if (before !== undefined) conditions.push(lt(webhookDeliveries.id, before));
    if (status) conditions.push(eq(webhookDeliveries.status, status));
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(...conditions))
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit + 1);
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async findDelivery(merchantId: string, id: bigint): Promise<DeliveryRow | undefined> {
    const [row] = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.merchantId, merchantId), eq(webhookDeliveries.id, id)));
    return row;
  }

  async attemptsOf(deliveryId: bigint): Promise<AttemptRow[]> {
    return this.db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId)).orderBy(asc(webhookAttempts.id));
  }
}
