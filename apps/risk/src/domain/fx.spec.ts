import { ReferenceConverter, crossRate } from './fx';

const SNAPSHOT = { pivot: 'EUR', rates: { USD: '1.0389', JPY: '163.06', IDR: '16820.00', KWD: '0.3197' } };

describe('crossRate', () => {
  it('crosses through the pivot in exact decimals, rounded once to 12 significant digits', () => {
    expect(crossRate(SNAPSHOT, 'IDR', 'USD')).toBe('0.0000617657550535');
    expect(crossRate(SNAPSHOT, 'USD', 'IDR')).toBe('16190.2011743');
    expect(crossRate(SNAPSHOT, 'EUR', 'USD')).toBe('1.0389');
    expect(crossRate(SNAPSHOT, 'USD', 'EUR')).toBe('0.962556550197');
    expect(crossRate(SNAPSHOT, 'USD', 'USD')).toBe('1');
    expect(crossRate(SNAPSHOT, 'ARS', 'USD')).toBeUndefined();
    expect(crossRate(SNAPSHOT, 'USD', 'ARS')).toBeUndefined();
  });
});

describe('ReferenceConverter', () => {
  it('normalises minor units into the reference currency, half-even once; unpriced without a rate', () => {
    const c = new ReferenceConverter(SNAPSHOT, 'USD');
    expect(c.convert(150000000n, 'IDR')).toBe(9265n); // 1,500,000.00 IDR → 92.65 USD
    expect(c.convert(100000n, 'JPY')).toBe(63713n); // 100,000 JPY → 637.13 USD
    expect(c.convert(1000000n, 'KWD')).toBe(324961n); // 1,000.000 KWD → 3,249.61 USD
    expect(c.convert(12345n, 'USD')).toBe(12345n);
    expect(c.convert(100n, 'ARS')).toBeUndefined();
    expect(c.rate('IDR')).toBe('0.0000617657550535');
    expect(new ReferenceConverter(undefined, 'USD').convert(1n, 'EUR')).toBeUndefined();
    expect(new ReferenceConverter(undefined, 'USD').convert(1n, 'USD')).toBe(1n);
  });
});
