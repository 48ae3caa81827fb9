import { Injectable } from '@nestjs/common';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { Db, InjectDb, rowOf, runStatement } from '@paygate/database';
import { conversions, quotes } from './schema';

export type ConversionRow = typeof conversions.$inferSelect;
export type NewConversion = Omit<typeof conversions.$inferInsert, 'createdAt'>;
export type QuoteRow = typeof quotes.$inferSelect;
export type NewQuote = Omit<typeof quotes.$inferInsert, 'createdAt' | 'usedBy' | 'usedAt'>;

/** The columns a conversion is inserted with, in parameter order. */
const CONVERSION_COLUMNS = [
  'id',
  'merchant_id',
  'reference',
  'from_currency',
  'to_currency',
  'amount_minor',
  'converted_minor',
  'converted_at_mid_minor',
  'rate',
  'mid',
  'spread_bps',
  'side',
  'provider',
  'pivot',
  'pivot_rates',
  'quote_id',
  'as_of',
] as const;

/** A payment's conversion: fixed texts (prepared once per connection), one round trip when new. */
const INSERT_CONVERSION = `insert into fx.conversions (${CONVERSION_COLUMNS.join(', ')})
  values (${CONVERSION_COLUMNS.map((c, i) => `$${i + 1}${c === 'pivot_rates' ? '::jsonb' : ''}`).join(', ')})
  on conflict do nothing returning *`;
const CONVERSION_BY_REFERENCE = 'select * from fx.conversions where reference = $1 and merchant_id = $2';

/** Persistence of FX records (owns the `fx` schema): conversions and firm quotes. */
@Injectable()
export class FxRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  /** Records a conversion once per (merchant, reference); a repeat gets the first one back. */
  async recordConversion(c: NewConversion): Promise<{ row: ConversionRow; created: boolean }> {
    const [inserted] = await runStatement<Record<string, unknown>>(this.db, INSERT_CONVERSION, [
      c.id,
      c.merchantId,
      c.reference,
      c.fromCurrency,
      c.toCurrency,
      c.amountMinor.toString(),
      c.convertedMinor.toString(),
      c.convertedAtMidMinor.toString(),
      c.rate,
      c.mid,
      c.spreadBps,
      c.side,
      c.provider,
      c.pivot ?? null,
      JSON.stringify(c.pivotRates),
      c.quoteId ?? null,
      c.asOf.toISOString(),
    ]);
    if (inserted) return { row: rowOf(conversions, inserted), created: true };
    const earlier = await this.conversionByReference(c.merchantId, c.reference);
    if (!earlier) throw new Error(`conversion ${c.id}: insert conflicted but nothing holds reference ${c.reference}`);
    return { row: earlier, created: false };
  }

  async conversionByReference(merchantId: string, reference: string): Promise<ConversionRow | undefined> {
    const [raw] = await runStatement<Record<string, unknown>>(this.db, CONVERSION_BY_REFERENCE, [reference, merchantId]);
    return raw && rowOf(conversions, raw);
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
