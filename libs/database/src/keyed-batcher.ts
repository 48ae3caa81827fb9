/** What one item of a batch came to. */
export type BatchResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * A single writer per key: the first item for a key runs once the work of the current callback is
 * done (its promise continuations included), together with whatever arrived for the key by then;
 * items arriving while a batch runs wait and then run together as the next batch (up to `max`),
 * in arrival order. Under load, N concurrent calls become a few statements instead of N round
 * trips (each costs the database a wake-up and a transaction, and this process a socket write);
 * alone, a call runs at once, as it would unbatched.
 *
 * Why not at once: the items of one batch finish together and go on to their next step in the
 * same callback (a database reply, a socket read of several NATS messages, the in-process bus's
 * delivery of a turn's requests). Started at once, the first of them ran alone and the rest as a
 * second batch after it: batches of 3–4 payments where waiting for the callback's end makes
 * batches of 5–6, and the monolith's closed-loop payment rate rose by a fifth (BENCHMARKS.md,
 * tenth pass). Called from a promise continuation, `process.nextTick` runs once the queue of promise
 * jobs is empty; it waits for no I/O, so an idle call is not delayed.
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
      process.nextTick(() => void this.drain(key));
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
