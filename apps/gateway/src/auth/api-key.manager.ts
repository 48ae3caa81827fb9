import { randomBytes } from 'node:crypto';
import { DomainError, Scope } from '@paygate/contracts';
import { ApiKeyRepository, KeyRecord } from './api-key.repository';
import { mintKey, parseKey } from './api-keys';
import { normalizeScopes } from './scopes';

export interface CreateKeyInput {
  merchantId: string;
  name?: string;
  scopes: Scope[];
  rateLimitPerSec?: number | null;
  rateLimitBurst?: number | null;
}

/** A key with its secret: the one and only time the secret is shown. */
export interface CreatedKey {
  record: KeyRecord;
  secret: string;
}

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function keyStatus(k: Pick<KeyRecord, 'revokedAt' | 'expiresAt'>, now: Date = new Date()): KeyStatus {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && k.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** Longest rotation grace period: a week. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * The lifecycle of API keys, shared by the gateway's admin routes and the CLI: create (the
 * secret is returned once and only its SHA-256 is stored), list, revoke, rotate. Keys are always
 * looked up within a merchant when one is given: another merchant's key is "not found".
 */
export class ApiKeyManager {
  constructor(private readonly repo: ApiKeyRepository) {}

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    if (input.scopes.length === 0) throw new DomainError('VALIDATION_ERROR', 'A key needs at least one scope: read, write or admin');
    if (!(await this.repo.merchantExists(input.merchantId))) {
      throw new DomainError('NOT_FOUND', `No merchant ${input.merchantId}`);
    }
    const secret = mintKey();
    const parsed = parseKey(secret)!;
    const id = `key_${randomBytes(8).toString('hex')}`;
    await this.repo.insertKey({
      id,
      merchantId: input.merchantId,
      name: input.name ?? 'unnamed',
      prefix: parsed.prefix,
      secretSha256: parsed.sha256,
      scopes: normalizeScopes(input.scopes),
      rateLimitPerSec: input.rateLimitPerSec ?? null,
      rateLimitBurst: input.rateLimitBurst ?? null,
    });
    const record = await this.repo.findById(id);
    return { record: record!, secret };
  }

  async list(opts: { merchantId?: string; limit: number; startingAfter?: string }): Promise<{ data: KeyRecord[]; hasMore: boolean }> {
    const rows = await this.repo.list({ ...opts, limit: opts.limit + 1 });
    return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
  }

  async get(id: string, merchantId?: string): Promise<KeyRecord> {
    const k = await this.repo.findById(id, merchantId);
    if (!k) throw new DomainError('API_KEY_NOT_FOUND', `No API key ${id}`);
    return k;
  }

  /** Revokes at once; revoking a revoked key is a conflict (its revocation time stays the first one). */
  async revoke(id: string, merchantId?: string): Promise<KeyRecord> {
    await this.get(id, merchantId);
    const revoked = await this.repo.revoke(id);
    if (!revoked) throw new DomainError('API_KEY_REVOKED', `API key ${id} is already revoked`);
    return revoked;
  }

  /**
   * A new secret for the key's holder: a new key (new id and prefix, same merchant, name, scopes
   * and limits, `rotated_from` the old id). The old key is revoked at once (`graceSeconds` 0, the
   * default) or keeps working until the grace period ends, so clients can be redeployed.
   */
  async rotate(id: string, graceSeconds: number, merchantId?: string): Promise<{ created: CreatedKey; previous: KeyRecord }> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      throw new DomainError('VALIDATION_ERROR', `grace_period_seconds must be an integer from 0 to ${MAX_GRACE_SECONDS}`);
    }
    const old = await this.get(id, merchantId);
    const secret = mintKey();
    const parsed = parseKey(secret)!;
    const newId = `key_${randomBytes(8).toString('hex')}`;
    const done = await this.repo.rotate(
      id,
      {
        id: newId,
        merchantId: old.merchantId,
        name: old.name,
        prefix: parsed.prefix,
        secretSha256: parsed.sha256,
        scopes: old.scopes,
        rotatedFrom: old.id,
        rateLimitPerSec: old.rateLimitPerSec,
        rateLimitBurst: old.rateLimitBurst,
      },
      graceSeconds,
    );
    if (!done) throw new DomainError('API_KEY_REVOKED', `API key ${id} is revoked or expired: create a new key instead`);
    const record = await this.repo.findById(newId);
    return { created: { record: record!, secret }, previous: done.previous };
  }
}
