import type { ErrorDetail } from '@paygate/contracts';

/** Deepest nesting a request body may have; contracts are at most a few levels deep. */
export const MAX_JSON_DEPTH = 32;

/** Keys that reach prototypes (and slip past class-transformer's unknown-field check). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * What no request body may hold, whatever its contract: prototype keys, NUL characters and
 * unpaired surrogates (PostgreSQL cannot store either; they would fail deep inside a write), and
 * nesting deeper than {@link MAX_JSON_DEPTH}. The first problem found, as an error detail.
 */
export function unsafeJsonProblem(value: unknown, path = '', depth = 0): ErrorDetail | undefined {
  const field = path === '' ? undefined : path;
  if (typeof value === 'string') {
    const why = stringProblem(value);
    return why ? { ...(field ? { field } : {}), reason: 'INVALID_STRING', message: `${field ?? 'the body'} ${why}` } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_JSON_DEPTH) {
    return { ...(field ? { field } : {}), reason: 'TOO_DEEP', message: `the body is nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = unsafeJsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) return { field: at, reason: 'FORBIDDEN_KEY', message: `property ${key} is not allowed` };
    const why = stringProblem(key);
    if (why) return { field: path || undefined, reason: 'INVALID_STRING', message: `a property name ${why}` };
    const p = unsafeJsonProblem((value as Record<string, unknown>)[key], at, depth + 1);
    if (p) return p;
  }
  return undefined;
}
