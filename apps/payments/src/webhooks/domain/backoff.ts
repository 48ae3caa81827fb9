/** How retries of a failed delivery are spaced: exponential, capped, with jitter. */
export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxMs: number;
  /** Automatic attempts in all; after the last one fails, the delivery is `failed`. */
  maxAttempts: number;
}

/**
 * The wait after the `attempt`-th failed attempt (1-based): base·2^(attempt−1), capped at max,
 * then "equal jitter" — half of it fixed, half random — so endpoints that failed together do not
 * get retried in lockstep. `random` is in [0, 1).
 */
export function backoffDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'retryBaseMs' | 'retryMaxMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

/** What follows a failed automatic attempt: another one at `nextAttemptAt`, or the delivery has failed for good. */
export function afterFailure(
  attemptCount: number,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): { status: 'pending'; nextAttemptAt: Date } | { status: 'failed' } {
  if (attemptCount >= policy.maxAttempts) return { status: 'failed' };
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + backoffDelayMs(attemptCount, policy, random)) };
}

/** 2xx is delivered; anything else (3xx included: redirects are not followed) is a failure. */
export function isDelivered(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}
