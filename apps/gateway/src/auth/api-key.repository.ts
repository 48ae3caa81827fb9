import { Injectable } from '@nestjs/common';
import { and, eq, isNull } from 'drizzle-orm';
import { Db, InjectDb } from '@paygate/database';
import { apiKeys, merchants } from '../persistence/schema';

export interface StoredKey {
  id: string;
  merchantId: string;
  secretSha256: string;
  scopes: string[];
}

/** Persistence of merchants and API keys: owns the `auth` schema. */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  async findActiveByPrefix(prefix: string): Promise<StoredKey | undefined> {
    const rows = await this.db
      .select({ id: apiKeys.id, merchantId: apiKeys.merchantId, secretSha256: apiKeys.secretSha256, scopes: apiKeys.scopes })
      .from(apiKeys)
      .where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt)));
    return rows[0];
  }

  async ensureMerchant(id: string, name: string): Promise<void> {
    await this.db.insert(merchants).values({ id, name }).onConflictDoNothing();
  }

  /** Inserts the key unless its prefix exists; true when it was inserted. */
  async insertKey(k: {
    id: string;
    merchantId: string;
    name: string;
    prefix: string;
    secretSha256: string;
    scopes: string[];
  }): Promise<boolean> {
    const rows = await this.db.insert(apiKeys).values(k).onConflictDoNothing().returning({ id: apiKeys.id });
    return rows.length > 0;
  }
}
