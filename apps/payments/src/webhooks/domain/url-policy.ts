import { DomainError } from '@paygate/contracts';
import { isIP } from 'node:net';

function privateIPv4(host: string): boolean {
  const [a, b] = host.split('.').map(Number);
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

function privateIPv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === '::1' || h === '::') return true;
  if (h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? privateIPv4(mapped[1]) : false;
}

/** Loopback, private, link-local (cloud metadata) or unqualified hosts. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) return true;
  const kind = isIP(host);
  if (kind === 4) return privateIPv4(host);
  if (kind === 6) return privateIPv6(host);
  return !host.includes('.');
}

/**
 * A webhook URL must be http(s), without credentials or fragment; loopback, private and
 * link-local hosts only when allowed (development and tests; never by default in production).
 * Returns the normalised URL.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url must be an http:// or https:// URL');
  if (url.username || url.password) throw invalid('url must not carry credentials');
  if (url.hash) throw invalid('url must not have a #fragment');
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    throw new DomainError(
      'WEBHOOK_URL_NOT_ALLOWED',
      `Webhooks cannot be sent to ${url.hostname}: loopback, private and link-local hosts are not allowed`,
      [{ field: 'url', reason: 'WEBHOOK_URL_NOT_ALLOWED', message: 'use a public host name' }],
    );
  }
  return url.toString();
}

function invalid(message: string): DomainError {
  return new DomainError('VALIDATION_ERROR', message, [{ field: 'url', reason: 'isUrl', message }]);
}
