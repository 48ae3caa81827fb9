import { PAYMENT_STATUSES } from '@paygate/contracts';
import { TRANSITIONS, canTransition, isTerminal, shareOf } from './lifecycle';

describe('payment lifecycle', () => {
  it('allows exactly the transitions of DESIGN §3', () => {
    expect(canTransition('PROCESSING', 'CAPTURED')).toBe(true);
    expect(canTransition('AUTHORIZED', 'CAPTURED')).toBe(true);
    expect(canTransition('AUTHORIZED', 'CANCELED')).toBe(true);
    expect(canTransition('PENDING', 'FAILED')).toBe(true);
    expect(canTransition('CAPTURED', 'PARTIALLY_REFUNDED')).toBe(true);
    expect(canTransition('PARTIALLY_REFUNDED', 'REFUNDED')).toBe(true);
    expect(canTransition('CAPTURED', 'CANCELED')).toBe(false);
    expect(canTransition('FAILED', 'CAPTURED')).toBe(false);
    expect(canTransition('REFUNDED', 'PARTIALLY_REFUNDED')).toBe(false);
    expect(canTransition('AUTHORIZED', 'REFUNDED')).toBe(false);
    expect(PAYMENT_STATUSES.filter(isTerminal)).toEqual(['FAILED', 'CANCELED', 'REFUNDED']);
    for (const s of PAYMENT_STATUSES) for (const t of TRANSITIONS[s]) expect(PAYMENT_STATUSES).toContain(t);
  });

  it('shares a debit in proportion, rounded half-even once, and exactly at the whole', () => {
    expect(shareOf(9279n, 1_500_000_00n, 1_500_000_00n, 'USD')).toBe(9279n);
    expect(shareOf(9279n, 750_000_00n, 1_500_000_00n, 'USD')).toBe(4640n); // 4639.5 → even 4640
    expect(shareOf(9277n, 750_000_00n, 1_500_000_00n, 'USD')).toBe(4638n); // 4638.5 → even 4638
    expect(shareOf(1001n, 1n, 3n, 'JPY')).toBe(334n); // 333.67
    expect(shareOf(0n, 5n, 10n, 'USD')).toBe(0n);
  });
});
