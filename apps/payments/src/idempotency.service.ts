import { Injectable } from '@nestjs/common';
import { DomainError, HttpOutcome } from '@paygate/contracts';
import { RequestContext } from '@paygate/transport';
import { createHash } from 'node:crypto';
import { PaymentsRepository } from './persistence/payments.repository';

/** How long after the caller's deadline an unfinished operation still holds its key. */
const KEY_LOCK_GRACE_MS = 5_000;

/** Stored answers are kept at least this long (Stripe: 24 h), then purged. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

/**
 * Stripe-style idempotency for the follow-up POSTs (capture, cancel, review, refund): with an
 * `Idempotency-Key`, the first answer is stored and replayed for the same request
 * (`Idempotent-Replayed: true`); the same key with another request is `409
 * IDEMPOTENCY_KEY_REUSED`; while the first is running, `409 IDEMPOTENCY_IN_PROGRESS`. An
 * operation that failed with an error stores nothing, so it can be retried.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly repo: PaymentsRepository) {}

  async run<T>(operation: string, request: unknown, work: () => Promise<HttpOutcome<T>>): Promise<HttpOutcome<T>> {
    const env = RequestContext.require();
    const key = env.idempotencyKey;
    if (!key) return work();
    const hash = createHash('sha256')
      .update(JSON.stringify([operation, request]))
      .digest('hex');
    const claim = await this.repo.claimKey(env.merchantId, key, operation, hash, new Date(env.deadline + KEY_LOCK_GRACE_MS), new Date());
    switch (claim.kind) {
      case 'reused':
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used with a different request');
      case 'in_progress':
        throw new DomainError('IDEMPOTENCY_IN_PROGRESS', 'A request with this idempotency key is still being processed; retry shortly');
      case 'replay':
        return { status: claim.status, replayed: true, body: claim.body as T };
      case 'claimed':
        break;
    }
    try {
      const out = await work();
      await this.repo.storeKeyResponse(env.merchantId, key, out.status, out.body);
      return out;
    } catch (e) {
      await this.repo.releaseKey(env.merchantId, key);
      throw e;
    }
  }
}
