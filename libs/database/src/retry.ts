/** PostgreSQL's "try again" failures: serialization failure and deadlock detected. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

export function isRetryableSqlError(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state !== undefined && RETRYABLE_SQLSTATES.has(state);
}

type RetryObserver = (sqlState: string) => void;
const observers = new Set<RetryObserver>();

/** Be told of every retried transaction (e.g. to count them in a metric). Returns an unsubscribe. */
export function onTransactionRetry(observer: RetryObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/**
 * Runs a whole transaction again when PostgreSQL aborted it as a deadlock victim or for a
 * serialization failure: the work is all-or-nothing, so re-running it is safe.
 */
export async function retryTransaction<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isRetryableSqlError(err)) throw err;
      const state = sqlStateOf(err)!;
      for (const o of observers) o(state);
      // A short, growing, jittered pause: contenders that deadlocked do not collide again at once.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/** The SQLSTATE of a driver error (unwrapping drizzle's wrapper), e.g. `23505` unique violation. */
export function sqlStateOf(err: unknown): string | undefined {
  let e: unknown = err;
  // drizzle wraps driver errors (`DrizzleQueryError`) with the original as `cause`.
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
