import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `pk_<prefix>_<secret>`: the prefix (16 hex chars) is the lookup index, the
 * SHA-256 of the whole key is what is stored. A long random secret makes a fast hash safe.
 */
const KEY_FORMAT = /^pk_([A-Za-z0-9]{8,64})_([A-Za-z0-9_]{8,200})$/;

export interface ParsedKey {
  prefix: string;
  sha256: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function parseKey(key: string): ParsedKey | undefined {
  const m = KEY_FORMAT.exec(key);
  return m ? { prefix: m[1], sha256: hashKey(key) } : undefined;
}

export function mintKey(): string {
  return `pk_${randomBytes(8).toString('hex')}_${randomBytes(24).toString('base64url').replace(/-/g, 'A')}`;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function sameHash(a: string, b: string): boolean {
  if (!SHA256_HEX.test(a) || !SHA256_HEX.test(b)) return false;
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
