import { DomainError } from '@paygate/contracts';
import { checkWebhookUrl, isPrivateHost } from './url-policy';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as DomainError).code;
  }
}

describe('webhook URL policy', () => {
  it('accepts public http(s) URLs', () => {
    expect(checkWebhookUrl('https://merchant.example/hooks?x=1', false)).toBe('https://merchant.example/hooks?x=1');
    expect(checkWebhookUrl('http://203.0.113.7:8080/h', false)).toBe('http://203.0.113.7:8080/h');
  });

  it('refuses other schemes, credentials, fragments and garbage with VALIDATION_ERROR', () => {
    for (const u of [
      'ftp://merchant.example/',
      'file:///etc/passwd',
      'https://user:pw@merchant.example/',
      'https://merchant.example/#x',
      'http://',
      'not a url',
    ]) {
      expect(codeOf(() => checkWebhookUrl(u, true))).toBe('VALIDATION_ERROR');
    }
  });

  it('refuses loopback, private and link-local hosts unless allowed', () => {
    const hosts = [
      'localhost',
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '[::1]',
      '[fd00::1]',
      'metadata.internal',
      'intranet',
    ];
    for (const h of hosts) {
      expect(codeOf(() => checkWebhookUrl(`http://${h}/hook`, false))).toBe('WEBHOOK_URL_NOT_ALLOWED');
      expect(codeOf(() => checkWebhookUrl(`http://${h}/hook`, true))).toBeUndefined();
    }
    expect(isPrivateHost('172.32.0.1')).toBe(false);
    expect(isPrivateHost('merchant.example')).toBe(false);
  });
});
