import { BatchResult, KeyedBatcher } from './keyed-batcher';

/** A batch runner whose batches finish when the test says so. */
function controlled() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const run = (inputs: number[]): Promise<Array<BatchResult<number>>> => {
    batches.push(inputs);
    return new Promise((resolve) =>
      releases.push(() =>
        resolve(inputs.map((n) => (n < 0 ? { ok: false as const, error: new Error(`neg ${n}`) } : { ok: true as const, value: n * 10 }))),
      ),
    );
  };
  return { batches, releases, run };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('KeyedBatcher', () => {
  it('runs the first item once the current work is done, with what arrived by then, then batches what arrives meanwhile, in order', async () => {
    const c = controlled();
    const b = new KeyedBatcher(c.run, 3);
    const first = [1, 2].map((n) => b.submit('k', n));
    expect(c.batches).toEqual([]);
    await nextTurn();
    expect(c.batches).toEqual([[1, 2]]);
    const rest = [3, 4, 5, 6].map((n) => b.submit('k', n));
    c.releases[0]();
    expect(await Promise.all(first)).toEqual([10, 20]);
    await Promise.resolve();
    expect(c.batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    c.releases[1]();
    await nextTurn();
    expect(c.batches).toEqual([[1, 2], [3, 4, 5], [6]]);
    c.releases[2]();
    expect(await Promise.all(rest)).toEqual([30, 40, 50, 60]);
  });

  it('a batch that resolves together hands its items on as one batch, not one alone and then the rest', async () => {
    const c = controlled();
    const first = new KeyedBatcher(c.run);
    const seen: number[][] = [];
    const spy = (xs: number[]) => {
      seen.push(xs);
      return Promise.resolve(xs.map((n) => ({ ok: true as const, value: n })));
    };
    const next = new KeyedBatcher(spy);
    const done = [1, 2, 3].map((n) => first.submit('k', n).then((v) => next.submit('k', v)));
    await nextTurn();
    c.releases[0]();
    expect(await Promise.all(done)).toEqual([10, 20, 30]);
    expect(seen).toEqual([[10, 20, 30]]);
  });

  it('keeps keys independent, and rejects only the items that failed', async () => {
    const c = controlled();
    const b = new KeyedBatcher(c.run);
    const a = b.submit('a', 1);
    const x = b.submit('b', 2);
    await nextTurn();
    expect(c.batches).toEqual([[1], [2]]);
    const neg = b.submit('a', -1);
    const ok = b.submit('a', 3);
    c.releases[0]();
    c.releases[1]();
    expect(await a).toBe(10);
    expect(await x).toBe(20);
    await new Promise((r) => setImmediate(r));
    c.releases[2]();
    await expect(neg).rejects.toThrow('neg -1');
    expect(await ok).toBe(30);
  });

  it('a batch that throws rejects all its items, and the key keeps working', async () => {
    let fail = true;
    const b = new KeyedBatcher<number, number>(async (xs) => {
      if (fail) throw new Error('db down');
      return xs.map((v) => ({ ok: true as const, value: v }));
    });
    await expect(b.submit('k', 1)).rejects.toThrow('db down');
    fail = false;
    expect(await b.submit('k', 2)).toBe(2);
  });
});
