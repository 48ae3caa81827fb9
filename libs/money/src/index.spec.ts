import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import * as money from '@paygate/money';

describe('@paygate/money public API', () => {
  it('exports the documented functions and constants', () => {
    for (const name of [
      'parseAmount',
      'formatAmount',
      'assertSafeMinor',
      'roundDecimalToMinor',
      'roundRate',
      'convertMinor',
      'allocate',
      'getCurrency',
      'isCurrencyCode',
      'currencyExponent',
      'listCurrencies',
      'assertSameCurrency',
      'decimalFromScaled',
    ] as const) {
      expect(typeof money[name]).toBe('function');
    }
    expect(money.MAX_MINOR).toBe(9_007_199_254_740_991n);
    expect(money.ISO_4217.length).toBeGreaterThan(150);
    expect(new money.D('0.1').plus('0.2').toString()).toBe('0.3');
    expect(new money.MoneyError('AMOUNT_EMPTY', 'm')).toBeInstanceOf(Error);
    expect(money.MONEY_ERROR_CODES).toHaveLength(10);
  });

  it('is framework-free: sources import only each other and decimal.js', () => {
    const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(sources.length).toBeGreaterThan(5);
    for (const file of sources) {
      const text = readFileSync(join(__dirname, file), 'utf8');
      for (const m of text.matchAll(/(?:from|require\()\s*['"]([^'"]+)['"]/g)) {
        expect([file, m[1].startsWith('./') || m[1] === 'decimal.js']).toEqual([file, true]);
      }
    }
  });
});
