/* Test-only helpers for libs/money/src/*.spec.ts (kept outside src so the library build never ships them). */
import { MoneyError, type MoneyErrorCode } from '../src/money-error';
import type { RoundingMode } from '../src/rounding';

/** Run `fn`, assert it throws a MoneyError with `code`, and return the error for further checks. */
export function expectMoneyError(fn: () => unknown, code: MoneyErrorCode): MoneyError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected MoneyError ${code}, nothing was thrown`);
  expect(thrown).toBeInstanceOf(MoneyError);
  expect((thrown as MoneyError).code).toBe(code);
  return thrown as MoneyError;
}

/** Reference rounding of the rational n / d (d > 0) to an integer, in plain bigint arithmetic. */
export function referenceRound(n: bigint, d: bigint, mode: RoundingMode): bigint {
  const q = n / d; // truncates towards zero
  const r = n % d; // same sign as n
  if (r === 0n) return q;
  const sign = n < 0n ? -1n : 1n;
  const away = q + sign;
  const twice = 2n * (r < 0n ? -r : r);
  switch (mode) {
    case 'DOWN':
      return q;
    case 'UP':
      return away;
    case 'FLOOR':
      return sign < 0n ? away : q;
    case 'CEILING':
      return sign > 0n ? away : q;
    case 'HALF_UP':
      return twice >= d ? away : q;
    case 'HALF_EVEN':
      if (twice !== d) return twice > d ? away : q;
      return q % 2n === 0n ? q : away;
  }
}
