import { hasScope, parseScopes } from './scopes';

describe('scopes', () => {
  it.each([
    [['read'], 'read', true],
    [['read'], 'write', false],
    [['read'], 'admin', false],
    [['write'], 'read', true],
    [['write'], 'write', true],
    [['write'], 'admin', false],
    [['admin'], 'read', true],
    [['admin'], 'write', true],
    [['admin'], 'admin', true],
    [['read', 'write'], 'admin', false],
    [[], 'read', false],
    [['superuser'], 'read', false],
  ] as const)('a key with %j calling a %s route: %s', (granted, needed, ok) => {
    expect(hasScope(granted, needed)).toBe(ok);
  });

  it('a route without a scope is open to any valid key', () => {
    expect(hasScope([], undefined)).toBe(true);
  });

  it('parses a comma list into known scopes, in order, once each', () => {
    expect(parseScopes('write, read,write')).toEqual(['read', 'write']);
    expect(parseScopes('admin')).toEqual(['admin']);
  });

  it.each(['', ',', 'read,root', 'READ', 'read;write'])('rejects %j', (text) => {
    expect(parseScopes(text)).toBeUndefined();
  });
});
