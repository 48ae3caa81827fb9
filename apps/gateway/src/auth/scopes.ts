import type { Scope } from '@paygate/contracts';

/**
 * Scopes of an API key: `read` (GET routes), `write` (mutating routes), `admin` (key management).
 * They are ordered: `admin` includes `write`, which includes `read` (a key that may create a
 * payment may also read it back).
 */
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Whether a key holding `granted` may call a route that needs `needed`. */
export function hasScope(granted: readonly string[], needed: Scope | undefined): boolean {
  if (!needed) return true;
  const rank = SCOPES.indexOf(needed);
  return granted.some((g) => isScope(g) && SCOPES.indexOf(g) >= rank);
}

/** `read,write` → `['read', 'write']` (sorted, unique); undefined when empty or a name is unknown. */
export function parseScopes(text: string): Scope[] | undefined {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0 || !names.every(isScope)) return undefined;
  return normalizeScopes(names as Scope[]);
}

export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => scopes.includes(s));
}
