import { createHash } from 'node:crypto';
import type { PaymentFailureCode, PaymentStatus, RiskDecisionName } from '@paygate/contracts';

/**
 * The payments domain rules, framework-free: what identifies a request, which balance a payment
 * debits, which outcomes are declines (stored) versus outages (not stored), and which HTTP
 * status an outcome answers with.
 */

export interface PaymentIntent {
  id: string;
  currency: string;
  amountMinor: bigint;
  sourceAccount: string;
  destinationAccount: string;
  metadata: Record<string, string>;
  quoteId?: string | null;
  captureMethod?: 'automatic' | 'manual';
}

/**
 * A fingerprint of the request's meaning (amounts as minor units, metadata keys sorted), so
 * `123.45` and `"123.450"`-style spellings of one payment are the same body, and any real
 * difference is a different body.
 */
export function requestHash(p: PaymentIntent): string {
  const metadata = Object.fromEntries(Object.entries(p.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const canonical = JSON.stringify([
    p.id,
    p.currency,
    p.amountMinor.toString(),
    p.sourceAccount,
    p.destinationAccount,
    metadata,
    p.quoteId ?? null,
    p.captureMethod ?? 'automatic',
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The credit is always in the payment currency; the debit is from the source's balance in that
 * currency if it has one, otherwise from its default currency (converted once).
 */
export function debitCurrencyFor(paymentCurrency: string, source: { currencies: readonly string[]; default_currency: string }): string {
  return source.currencies.includes(paymentCurrency) ? paymentCurrency : source.default_currency;
}

const FAILURE_CODES: ReadonlySet<string> = new Set<PaymentFailureCode>([
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_FROZEN',
  'ACCOUNT_CLOSED',
  'RATE_UNAVAILABLE',
]);

/** A downstream error that is a business decline (the payment FAILED, stored and replayed). */
export function declineCodeOf(errorCode: string): PaymentFailureCode | undefined {
  return FAILURE_CODES.has(errorCode) ? (errorCode as PaymentFailureCode) : undefined;
}

/** The final status a risk decision leads to once the money step succeeds. */
export function statusAfterRisk(decision: RiskDecisionName): Exclude<PaymentStatus, 'PROCESSING'> {
  if (decision === 'DECLINE') return 'FAILED';
  return decision === 'REVIEW' ? 'PENDING' : 'CAPTURED';
}

/** What the wallet holds under a payment's references: whether an earlier attempt moved money. */
export type WalletVerdict = 'captured' | 'held' | 'nothing';

/**
 * The final status of a payment whose money step an earlier attempt completed: a capture
 * journal → CAPTURED; a hold → PENDING (a risk review) or AUTHORIZED (capture=false). An
 * automatic capture is only ever held for a review.
 */
export function statusAfterMoneyStep(
  captureMethod: string,
  decision: RiskDecisionName,
  verdict: Exclude<WalletVerdict, 'nothing'>,
): 'CAPTURED' | 'PENDING' | 'AUTHORIZED' {
  if (verdict === 'captured') return 'CAPTURED';
  return decision === 'REVIEW' || captureMethod !== 'manual' ? 'PENDING' : 'AUTHORIZED';
}

/** `CAPTURED`/`AUTHORIZED` → 200, `PENDING` → 202, `FAILED` → 400 (carrying the payment, as the seed does). */
export function httpStatusOfPayment(status: PaymentStatus): number {
  switch (status) {
    case 'PENDING':
      return 202;
    case 'FAILED':
      return 400;
    default:
      return 200;
  }
}

/** The wallet journal/hold reference of a payment's money step: retries post it at most once. */
export function walletReference(paymentId: string, step: 'capture' | 'hold'): string {
  return `payment:${paymentId}:${step}`;
}
