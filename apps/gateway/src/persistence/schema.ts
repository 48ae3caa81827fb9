import { createdAt } from '../../../../libs/database/src/columns';
import { char, doublePrecision, index, integer, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';

export const authSchema = pgSchema('auth');

export const merchants = authSchema.table('merchants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/**
 * API keys: `pk_<prefix>_<secret>`. Only the SHA-256 of the whole key is kept; the prefix is the
 * lookup index (a slow password hash on every request would cap the gateway's throughput).
 * Scopes: `read`, `write`, `admin` (admin also grants read and write).
 */
export const apiKeys = authSchema.table(
  'api_keys',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique(),
    secretSha256: char('secret_sha256', { length: 64 }).notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** A rotated key stays valid until then (the grace period), then is refused like a revoked one. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** The key this one replaced by `rotate`. */
    rotatedFrom: text('rotated_from'),
    /** Per-key rate limit override (requests per second, may be below 1, and burst); null: the gateway's default. */
    rateLimitPerSec: doublePrecision('rate_limit_per_sec'),
    rateLimitBurst: integer('rate_limit_burst'),
  },
  (t) => [index('api_keys_merchant_idx').on(t.merchantId)],
);
