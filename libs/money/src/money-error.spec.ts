import { MAX_AMOUNT_LENGTH } from './amount';
import { MAX_RATE_LENGTH } from './convert';
import { MoneyError, quoteInput } from './money-error';

describe('quoteInput', () => {
  it('JSON-quotes strings, escaping quotes and control characters', () => {
    expect(quoteInput('12.34')).toBe('"12.34"');
    expect(quoteInput('1"\n2')).toBe('"1\\"\\n2"');
    expect(quoteInput('')).toBe('""');
  });

  it('quotes non-strings as their String() form', () => {
    expect(quoteInput(840)).toBe('"840"');
    expect(quoteInput(12n)).toBe('"12"');
    expect(quoteInput(null)).toBe('"null"');
    expect(quoteInput(undefined)).toBe('"undefined"');
    expect(quoteInput({})).toBe('"[object Object]"');
  });

  it('echoes at most 48 characters, marking the cut', () => {
    expect(quoteInput('x'.repeat(48))).toBe(`"${'x'.repeat(48)}"`);
    expect(quoteInput('x'.repeat(49))).toBe(`"${'x'.repeat(48)}…"`);
    expect(quoteInput('y'.repeat(1_000_000))).toBe(`"${'y'.repeat(48)}…"`);
    // The cut applies before escaping: 48 newlines become 96 escaped characters, not more.
    expect(quoteInput('\n'.repeat(100))).toBe(`"${'\\n'.repeat(48)}…"`);
  });

  it('is long enough to echo any amount in full, but not every rate', () => {
    // Amounts longer than MAX_AMOUNT_LENGTH are rejected without echoing them.
    expect(MAX_AMOUNT_LENGTH).toBeLessThanOrEqual(48);
    expect(MAX_RATE_LENGTH).toBeGreaterThan(48);
  });
});

describe('MoneyError', () => {
  it('carries its code and a message shown to API users as is', () => {
    const e = new MoneyError('CURRENCY_MISMATCH', 'currency "EUR" does not match the expected currency "USD"');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('MoneyError');
    expect(e.code).toBe('CURRENCY_MISMATCH');
    expect(String(e)).toBe('MoneyError: currency "EUR" does not match the expected currency "USD"');
  });
});
