import { D, currencyExponent, roundDecimalToMinor } from '@paygate/money';
import type { PaymentStatus } from '@paygate/contracts';

/**
 * The payment state machine (DESIGN §3): which status may follow which. Terminal: FAILED,
 * CANCELED, REFUNDED. Every change is checked here and recorded with a reason.
 */
export const TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  PROCESSING: ['CAPTURED', 'AUTHORIZED', 'PENDING', 'FAILED'],
  PENDING: ['CAPTURED', 'AUTHORIZED', 'FAILED'],
  AUTHORIZED: ['CAPTURED', 'CANCELED'],
  CAPTURED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  PARTIALLY_REFUNDED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  FAILED: [],
  CANCELED: [],
  REFUNDED: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: PaymentStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/**
 * `total × part / whole`, in minor units of `currency`, rounded half-even once: the debit (or
 * FX revenue) share of a partial capture, at the payment's original conversion.
 */
export function shareOf(total: bigint, part: bigint, whole: bigint, currency: string): bigint {
  if (part === whole) return total;
  const major = new D(total.toString())
    .mul(part.toString())
    .div(whole.toString())
    .div(new D(10).pow(currencyExponent(currency)));
  return roundDecimalToMinor(major, currency);
}
