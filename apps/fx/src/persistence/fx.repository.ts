import { Injectable } from '@nestjs/common';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { Db, InjectDb } from '@paygate/database';
import { conversions, quotes } from './schema';

export type ConversionRow = typeof conversions.$inferSelect;
export type NewConversion = Omit<typeof conversions.$inferInsert, 'createdAt'>;
export type QuoteRow = typeof quotes.$inferSelect;
export type NewQuote = Omit<typeof quotes.$inferInsert, 'createdAt' | 'usedBy' | 'usedAt'>;

/** Persistence of FX records (owns the `fx` schema): conversions and firm quotes. */
@Injectable()
export class FxRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  /** Records a conversion once per (merchant, reference); a repeat gets the first one back. */
  async recordConversion(c: NewConversion): Promise<{ row: ConversionRow; created: boolean }> {
    const [inserted] = await this.db.insert(conversions).values(c).onConflictDoNothing().returning();
    if (inserted) return { row: inserted, created: true };
    return { row: (await this.conversionByReference(c.merchantId, c.reference))!, created: false };
  }

  async conversionByReference(merchantId: string, reference: string): Promise<ConversionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversions)
      .where(and(eq(conversions.merchantId, merchantId), eq(conversions.reference, reference)));
    return row;
  }

  async conversion(merchantId: string, id: string): Promise<ConversionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversions)
      .where(and(eq(conversions.merchantId, merchantId), eq(conversions.id, id)));
    return row;
  }

  /**
   * Stores a quote; with an idempotency key, a repeat finds the first quote instead
   * (`created: false`), or `reused` when the key came with another request.
   */
  async createQuote(q: NewQuote): Promise<{ row: QuoteRow; created: boolean } | 'reused'> {
    const [inserted] = await this.db.insert(quotes).values(q).onConflictDoNothing().returning();
    if (inserted) return { row: inserted, created: true };
    const [existing] = await this.db
      .select()
      .from(quotes)
      .where(and(eq(quotes.merchantId, q.merchantId), eq(quotes.idempotencyKey, q.idempotencyKey!)));
    if (!existing) throw new Error(`quote ${q.id}: insert conflicted but nothing holds its key`);
    return existing.requestHash === q.requestHash ? { row: existing, created: false } : 'reused';
  }

  async quote(merchantId: string, id: string): Promise<QuoteRow | undefined> {
    const [row] = await this.db
      .select()
      .from(quotes)
      .where(and(eq(quotes.merchantId, merchantId), eq(quotes.id, id)));
    return row;
  }

  /**
   * Marks a quote used by `reference`, atomically: only an unused quote that has not expired,
   * or one this reference already used (a retry), is taken. Returns the row if it was taken.
   */
  async useQuote(merchantId: string, id: string, reference: string, now: Date): Promise<QuoteRow | undefined> {
    const [row] = await this.db
      .update(quotes)
      .set({ usedBy: reference, usedAt: sql`coalesce(${quotes.usedAt}, now())` })
      .where(
        and(
          eq(quotes.merchantId, merchantId),
          eq(quotes.id, id),
          or(and(isNull(quotes.usedBy), gt(quotes.expiresAt, now)), eq(quotes.usedBy, reference)),
        ),
      )
      .returning();
    return row;
  }
}
