import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { Db, InjectDb } from '@paygate/database';
import { apiKeys, merchants } from '../persistence/schema';

/** What the guard needs of a key: never more than the hash of its secret. */
export interface StoredKey {
  id: string;
  merchantId: string;
  secretSha256: string;
  scopes: string[];
  rateLimitPerSec: number | null;
  rateLimitBurst: number | null;
  /** End of a rotated key's grace period (null: no end). */
  expiresAt: Date | null;
}

/** A key as its owner sees it (list, revoke): everything but the hash. */
export interface KeyRecord {
  id: string;
  merchantId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  expiresAt: Date | null;
  rotatedFrom: string | null;
  rateLimitPerSec: number | null;
  rateLimitBurst: number | null;
}

export interface NewKey {
  id: string;
  merchantId: string;
  name: string;
  prefix: string;
  secretSha256: string;
  scopes: string[];
  rotatedFrom?: string | null;
  rateLimitPerSec?: number | null;
  rateLimitBurst?: number | null;
}

const RECORD = {
  id: apiKeys.id,
  merchantId: apiKeys.merchantId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  revokedAt: apiKeys.revokedAt,
  expiresAt: apiKeys.expiresAt,
  rotatedFrom: apiKeys.rotatedFrom,
  rateLimitPerSec: apiKeys.rateLimitPerSec,
  rateLimitBurst: apiKeys.rateLimitBurst,
};

/** Persistence of merchants and API keys: owns the `auth` schema. */
@Injectable()
export class ApiKeyRepository {
  /** Bumped by every revoke and rotate here: the guard's cached keys from before no longer count. */
  generation = 0;

  constructor(@InjectDb() private readonly db: Db) {}

  /** A key that authenticates: not revoked, and not past the end of its rotation grace period. */
  async findActiveByPrefix(prefix: string): Promise<StoredKey | undefined> {
    const rows = await this.db
      .select({
        id: apiKeys.id,
        merchantId: apiKeys.merchantId,
        secretSha256: apiKeys.secretSha256,
        scopes: apiKeys.scopes,
        rateLimitPerSec: apiKeys.rateLimitPerSec,
        rateLimitBurst: apiKeys.rateLimitBurst,
        expiresAt: apiKeys.expiresAt,
      })
      .from(apiKeys)
      .where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`))));
    return rows[0];
  }

  async ensureMerchant(id: string, name: string): Promise<void> {
    await this.db.insert(merchants).values({ id, name }).onConflictDoNothing();
  }

  async merchantExists(id: string): Promise<boolean> {
    const rows = await this.db.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, id));
    return rows.length > 0;
  }

  /** Inserts the key unless its prefix exists; true when it was inserted. */
  async insertKey(k: NewKey): Promise<boolean> {
    const rows = await this.db.insert(apiKeys).values(k).onConflictDoNothing().returning({ id: apiKeys.id });
    return rows.length > 0;
  }

  async findById(id: string, merchantId?: string): Promise<KeyRecord | undefined> {
    const where = merchantId ? and(eq(apiKeys.id, id), eq(apiKeys.merchantId, merchantId)) : eq(apiKeys.id, id);
    const rows = await this.db.select(RECORD).from(apiKeys).where(where);
    return rows[0];
  }

  /** Keys in id order, after `startingAfter`; `merchantId` undefined lists every merchant's (the CLI). */
  async list(opts: { merchantId?: string; limit: number; startingAfter?: string }): Promise<KeyRecord[]> {
    const conditions = [
      opts.merchantId ? eq(apiKeys.merchantId, opts.merchantId) : undefined,
      opts.startingAfter ? gt(apiKeys.id, opts.startingAfter) : undefined,
    ].filter((c) => c !== undefined);
    return this.db
      .select(RECORD)
      .from(apiKeys)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(asc(apiKeys.id))
      .limit(opts.limit);
  }

  /** Revokes the key now unless it already was; the updated record, or undefined when it was already revoked. */
  async revoke(id: string): Promise<KeyRecord | undefined> {
    const rows = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning(RECORD);
    this.generation += 1;
    return rows[0];
  }

  /**
   * Replaces a key by a new one in one transaction: the new key is inserted and the old one is
   * revoked at once (`graceSeconds` 0) or expires after the grace period. Undefined when the
   * old key is no longer active (revoked, or already rotated and expired).
   */
  async rotate(oldId: string, next: NewKey, graceSeconds: number): Promise<{ previous: KeyRecord } | undefined> {
    this.generation += 1;
    return this.db.transaction(async (tx) => {
      const live = and(eq(apiKeys.id, oldId), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)));
      const set =
        graceSeconds > 0
          ? {
              expiresAt: sql`least(coalesce(${apiKeys.expiresAt}, 'infinity'::timestamptz), now() + ${graceSeconds}::integer * interval '1 second')`,
            }
          : { revokedAt: sql`now()` };
      const rows = await tx.update(apiKeys).set(set).where(live).returning(RECORD);
      if (rows.length === 0) return undefined;
      await tx.insert(apiKeys).values(next);
      return { previous: rows[0] };
    });
  }
}
