import { PAYMENT_FAILURE_CODES, PAYMENT_STATUSES } from '@paygate/contracts';
import {
  PaymentIntent,
  debitCurrencyFor,
  declineCodeOf,
  httpStatusOfPayment,
  requestHash,
  statusAfterMoneyStep,
  statusAfterRisk,
  walletReference,
} from './payment';

const intent = (over: Partial<PaymentIntent> = {}): PaymentIntent => ({
  id: 'PAY-001',
  currency: 'USD',
  amountMinor: 12345n,
  sourceAccount: 'ACC_SRC_0001',
  destinationAccount: 'ACC_DST_0001',
  metadata: { order_id: '6735', channel: 'web' },
  ...over,
});

describe('requestHash', () => {
  it('is a sha256 hex digest, stable across calls', () => {
    const h = requestHash(intent());
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash(intent())).toBe(h);
  });

  it('is equal for the same meaning whatever the metadata key order', () => {
    const a = requestHash(intent({ metadata: { order_id: '6735', channel: 'web', z: '1', a: '2' } }));
    const b = requestHash(intent({ metadata: { a: '2', z: '1', channel: 'web', order_id: '6735' } }));
    expect(a).toBe(b);
    // Integer-like keys too (JS orders them first; the hash must still not depend on insertion order).
    expect(requestHash(intent({ metadata: { '10': 'x', '9': 'y', b: 'z' } }))).toBe(
      requestHash(intent({ metadata: { b: 'z', '9': 'y', '10': 'x' } })),
    );
  });

  it('does not depend on how the amount was spelled: only the minor units count', () => {
    // 123.45 and "123.450" parse to the same minor units; the hash only ever sees those.
    expect(requestHash(intent({ amountMinor: 12345n }))).toBe(requestHash(intent({ amountMinor: BigInt('12345') })));
  });

  it.each<[string, Partial<PaymentIntent>]>([
    ['id', { id: 'PAY-002' }],
    ['currency', { currency: 'EUR' }],
    ['amount minor', { amountMinor: 12346n }],
    ['amount minor (scale)', { amountMinor: 123450n }],
    ['source account', { sourceAccount: 'ACC_SRC_0002' }],
    ['destination account', { destinationAccount: 'ACC_DST_0002' }],
    ['accounts swapped', { sourceAccount: 'ACC_DST_0001', destinationAccount: 'ACC_SRC_0001' }],
    ['a metadata value', { metadata: { order_id: '6736', channel: 'web' } }],
    ['a metadata key', { metadata: { order: '6735', channel: 'web' } }],
    ['a metadata entry added', { metadata: { order_id: '6735', channel: 'web', extra: '' } }],
    ['a metadata entry removed', { metadata: { order_id: '6735' } }],
    ['metadata emptied', { metadata: {} }],
  ])('differs when the %s changes', (_label, change) => {
    expect(requestHash(intent(change))).not.toBe(requestHash(intent()));
  });

  it('is not fooled by values moving between adjacent fields', () => {
    const a = requestHash(intent({ sourceAccount: 'AB', destinationAccount: 'C' }));
    const b = requestHash(intent({ sourceAccount: 'A', destinationAccount: 'BC' }));
    expect(a).not.toBe(b);
    const c = requestHash(intent({ metadata: { k: 'v,w' } }));
    const d = requestHash(intent({ metadata: { k: 'v', w: '' } }));
    expect(c).not.toBe(d);
  });
});

describe('debitCurrencyFor', () => {
  const source = { currencies: ['EUR', 'USD'], default_currency: 'EUR' };

  it('debits the payment currency when the source holds it', () => {
    expect(debitCurrencyFor('USD', source)).toBe('USD');
    expect(debitCurrencyFor('EUR', source)).toBe('EUR');
  });

  it("debits the source's default currency otherwise", () => {
    expect(debitCurrencyFor('GBP', source)).toBe('EUR');
    expect(debitCurrencyFor('JPY', { currencies: [], default_currency: 'USD' })).toBe('USD');
  });

  it('uses the default currency even when the source holds nothing in it yet', () => {
    expect(debitCurrencyFor('GBP', { currencies: ['USD'], default_currency: 'CHF' })).toBe('CHF');
  });
});

describe('declineCodeOf', () => {
  it.each(['INSUFFICIENT_FUNDS', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'RATE_UNAVAILABLE'])(
    'treats %s as a business decline (stored FAILED)',
    (code) => {
      expect(declineCodeOf(code)).toBe(code);
    },
  );

  it.each([
    'SERVICE_UNAVAILABLE',
    'DEADLINE_EXCEEDED',
    'RATE_STALE',
    'INTERNAL_ERROR',
    'VALIDATION_ERROR',
    'IDEMPOTENCY_IN_PROGRESS',
    '',
    'insufficient_funds',
  ])('treats %p as an outage or non-decline (nothing stored)', (code) => {
    expect(declineCodeOf(code)).toBeUndefined();
  });

  it('only ever answers with a payment failure code', () => {
    for (const code of PAYMENT_FAILURE_CODES) {
      const d = declineCodeOf(code);
      if (d !== undefined) expect(PAYMENT_FAILURE_CODES).toContain(d);
    }
  });
});

describe('statusAfterRisk', () => {
  it('maps APPROVE → CAPTURED, REVIEW → PENDING, DECLINE → FAILED', () => {
    expect(statusAfterRisk('APPROVE')).toBe('CAPTURED');
    expect(statusAfterRisk('REVIEW')).toBe('PENDING');
    expect(statusAfterRisk('DECLINE')).toBe('FAILED');
  });
});

describe('statusAfterMoneyStep', () => {
  it('a capture journal is CAPTURED, whatever was decided', () => {
    for (const m of ['automatic', 'manual'])
      for (const d of ['APPROVE', 'REVIEW'] as const) expect(statusAfterMoneyStep(m, d, 'captured')).toBe('CAPTURED');
  });

  it('a hold is PENDING for a review (even with capture=false), AUTHORIZED for capture=false, PENDING otherwise', () => {
    expect(statusAfterMoneyStep('automatic', 'REVIEW', 'held')).toBe('PENDING');
    expect(statusAfterMoneyStep('manual', 'REVIEW', 'held')).toBe('PENDING');
    expect(statusAfterMoneyStep('manual', 'APPROVE', 'held')).toBe('AUTHORIZED');
    expect(statusAfterMoneyStep('automatic', 'APPROVE', 'held')).toBe('PENDING');
  });
});

describe('httpStatusOfPayment', () => {
  it.each([
    ['CAPTURED', 200],
    ['AUTHORIZED', 200],
    ['PENDING', 202],
    ['FAILED', 400],
  ] as const)('%s → %i', (status, http) => {
    expect(httpStatusOfPayment(status)).toBe(http);
  });

  it('answers a status for every final status', () => {
    for (const s of PAYMENT_STATUSES) expect([200, 202, 400]).toContain(httpStatusOfPayment(s));
  });

  it('agrees with statusAfterRisk for every decision', () => {
    expect(httpStatusOfPayment(statusAfterRisk('APPROVE'))).toBe(200);
    expect(httpStatusOfPayment(statusAfterRisk('REVIEW'))).toBe(202);
    expect(httpStatusOfPayment(statusAfterRisk('DECLINE'))).toBe(400);
  });
});

describe('walletReference', () => {
  it('is one reference per payment and step', () => {
    expect(walletReference('PAY-001', 'capture')).toBe('payment:PAY-001:capture');
    expect(walletReference('PAY-001', 'hold')).toBe('payment:PAY-001:hold');
    expect(walletReference('PAY-001', 'capture')).not.toBe(walletReference('PAY-002', 'capture'));
  });
});
