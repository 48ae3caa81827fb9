import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { wireCopy } from './wire-copy';

/** The reference: what crossing the wire as JSON gives. */
function roundTrip(value: unknown): unknown {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

function outcome(f: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).constructor.name };
  }
}

function expectSameAsRoundTrip(value: unknown): void {
  const fast = outcome(() => wireCopy(value));
  const json = outcome(() => roundTrip(value));
  expect(fast.error).toBe(json.error);
  expect(isDeepStrictEqual(fast.value, json.value)).toBe(true);
  if (fast.value !== undefined) expect(JSON.stringify(fast.value)).toBe(JSON.stringify(json.value));
}

describe('wireCopy: a JSON round trip without the text', () => {
  it('gives what JSON.parse(JSON.stringify(v)) gives, for any value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withBigInt: true,
        }),
        (v) => expectSameAsRoundTrip(v),
      ),
      { numRuns: 2000 },
    );
  });

  it('follows JSON on the cases that matter for payloads', () => {
    const cases: unknown[] = [
      { at: new Date('2026-11-26T13:00:00.000Z'), bad: new Date(Number.NaN) },
      { a: undefined, f: () => 1, s: Symbol('x'), n: null, list: [undefined, () => 1, Symbol('y'), 1] },
      { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, zero: -0, big: 1e21 },
      { buf: Buffer.from('hi'), map: new Map([['a', 1]]), set: new Set([1]) },
      [new Number(3), new String('s'), new Boolean(false)],
      JSON.parse('{"__proto__": {"polluted": true}, "2": "b", "1": "a"}'),
      Object.assign(Object.create({ inherited: 1 }), { own: 2 }),
      { toJSON: (key: string) => `called with "${key}"` },
      [{ toJSON: (key: string) => `item ${key}` }],
      'text',
      12.5,
      null,
      undefined,
    ];
    for (const c of cases) expectSameAsRoundTrip(c);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses what the wire refuses: a bigint, a cycle, a function or a symbol on its own', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => wireCopy({ amount: 10n })).toThrow(TypeError);
    expect(() => wireCopy(cyclic)).toThrow(TypeError);
    expect(() => wireCopy(() => 1)).toThrow(SyntaxError);
    expect(() => wireCopy(Symbol('x'))).toThrow(SyntaxError);
  });

  it('copies: nothing of the result is shared with the input', () => {
    const input = { nested: { list: [{ a: 1 }] } };
    const out = wireCopy(input);
    out.nested.list[0].a = 2;
    expect(input.nested.list[0].a).toBe(1);
  });

  it('the same object twice (not a cycle) is copied twice, as JSON does', () => {
    const shared = { a: 1 };
    expectSameAsRoundTrip({ x: shared, y: shared, z: [shared, shared] });
  });
});
