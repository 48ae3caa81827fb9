import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signWebhookPayload, verifyWebhookSignature } from './signing';

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_1","type":"payment.captured","created":"2026-11-25T12:00:00.000Z","data":{}}';
  const t = 1_795_000_000;

  it('signs t.body with HMAC-SHA256 in the Stripe form t=…,v1=…', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhookPayload(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies its own signature within the tolerance, on strings and buffers', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 299)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body), 300, t - 10)).toBe(true);
  });

  it('refuses another secret, a changed body, a stale or future timestamp, and garbage', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature('whsec_other', header, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body.replace('captured', 'refunded'), 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, `${body} `, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 300, t - 301)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, '', body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=abc', body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, `t=${t}`, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, `t=${t},v1=${'0'.repeat(64)}`, body, 300, t)).toBe(false);
    // a timestamp moved forward with the old signature does not verify
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t)).toBe(false);
  });

  it('accepts any matching v1 among several (e.g. old and new secret) and ignores unknown schemes', () => {
    const good = signWebhookPayload(secret, body, t).split(',')[1];
    const header = `t=${t},v0=deadbeef,v1=${'a'.repeat(64)},${good}`;
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(true);
  });

  it('tolerance 0 skips the timestamp check', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, 0, t + 10_000_000)).toBe(true);
  });

  it('generates distinct whsec_ secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
