/** What one item of a batch came to. */
export type BatchResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * A single writer per key: the first item for a key runs on the next turn of the event loop,
 * together with whatever arrived for the key before then; items arriving while a batch runs wait
 * and then run together as the next batch (up to `max`), in arrival order. Under load, N
 * concurrent calls become a few statements instead of N round trips (each costs the database a
 * wake-up and a transaction, and this process a socket write); alone, a call runs after one turn,
 * about as soon as it would unbatched.
 *
 * Why a turn and not at once: the items of one batch finish together and go on to their next
 * step in the same turn (and the in-process bus delivers each request in a callback of its own,
 * one turn later). Started at once, the first of them would run alone and the rest as a second
 * batch after it; measured, that made batches of 3–4 payments where one turn's wait makes
 * batches of 5–6, and the monolith's closed-loop payment rate rose by a fifth (BENCHMARKS.md,
 * tenth pass).
 *
 * The ledger batches a merchant's transfers (one transaction, one hold of a hot balance row's
 * lock); wallet lookups and balance reads, payments' writes and risk's reads batch per merchant
 * too.
 */
export class KeyedBatcher<I, O> {
  private readonly queues = new Map<string, Array<{ input: I; resolve: (v: O) => void; reject: (e: unknown) => void }>>();

  constructor(
    private readonly runBatch: (inputs: I[]) => Promise<Array<BatchResult<O>>>,
    private readonly max = 64,
  ) {}

  submit(key: string, input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      this.queues.set(key, [{ input, resolve, reject }]);
      setImmediate(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.max);
      try {
        const results = await this.runBatch(batch.map((b) => b.input));
        batch.forEach((b, i) => {
          const r = results[i];
          if (r.ok) b.resolve(r.value);
          else b.reject(r.error);
        });
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.queues.delete(key);
  }
}
