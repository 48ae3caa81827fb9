import { hashKey, mintKey, parseKey, sameHash } from './api-keys';

describe('API keys', () => {
  it('mints keys that parseKey accepts, with a 16-hex prefix and the SHA-256 of the whole key', () => {
    const key = mintKey();
    expect(key).toMatch(/^pk_[0-9a-f]{16}_[A-Za-z0-9_]{32}$/);
    expect(parseKey(key)).toEqual({ prefix: key.slice(3, 19), sha256: hashKey(key) });
    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('mints keys with distinct prefixes', () => {
    const prefixes = Array.from({ length: 200 }, () => parseKey(mintKey())!.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it('keeps underscores of the secret part in the secret, not the prefix', () => {
    expect(parseKey('pk_abcdefgh_secret_with_underscores')?.prefix).toBe('abcdefgh');
  });

  it.each([
    ['empty', ''],
    ['wrong scheme', 'sk_0123456789abcdef_secretsecret'],
    ['no secret', 'pk_0123456789abcdef'],
    ['empty secret', 'pk_0123456789abcdef_'],
    ['short prefix', 'pk_0123456_secretsecret'],
    ['long prefix', `pk_${'a'.repeat(65)}_secretsecret`],
    ['short secret', 'pk_0123456789abcdef_short'],
    ['long secret', `pk_0123456789abcdef_${'s'.repeat(201)}`],
    ['dash in secret', 'pk_0123456789abcdef_secret-secret'],
    ['leading space', ' pk_0123456789abcdef_secretsecret'],
    ['trailing newline', 'pk_0123456789abcdef_secretsecret\n'],
    ['uppercase scheme', 'PK_0123456789abcdef_secretsecret'],
  ])('parseKey rejects a key with %s', (_why, key) => {
    expect(parseKey(key)).toBeUndefined();
  });

  describe('sameHash', () => {
    const a = hashKey('a');
    const b = hashKey('b');

    it('is true for equal hashes (case-insensitive hex)', () => {
      expect(sameHash(a, a)).toBe(true);
      expect(sameHash(a, a.toUpperCase())).toBe(true);
    });

    it('is false for different hashes', () => {
      expect(sameHash(a, b)).toBe(false);
    });

    it('is false (and does not throw) for different lengths', () => {
      expect(sameHash(a, a.slice(0, 62))).toBe(false);
      expect(sameHash(a, '')).toBe(false);
      expect(sameHash(a, `${a}00`)).toBe(false);
    });
  });
});
