import { EMPTY_HISTORY, featuresFromJson, featuresToJson, historyFor, historySpec, inBand, type RiskFeatures } from './features';
import { parseRulesFile } from './rules';

const file = (version: string, features: unknown, reference_currency = 'USD') =>
  parseRulesFile({ version, reference_currency, thresholds: { review: 50, decline: 80 }, features, rules: [] });

describe('historySpec', () => {
  const live = file('live', {
    history_size: 10,
    amount_bands: { micro: { lt: '5.00', window: '1h' }, near: { gte: '4500.00', lt: '5000.00', window: '24h' } },
  });
  const shadow = file('shadow', {
    history_size: 30,
    amount_bands: { tiny: { lt: '5.00', window: '1h' }, week: { gte: '100.00', window: '7d' } },
  });

  it('merges the bands of several files (identical bands share a key) and takes the largest history', () => {
    const m = historySpec([live, shadow]);
    expect(m.spec).toEqual({
      referenceCurrency: 'USD',
      bands: [
        { key: 'b0', ltMinor: 500n, windowSeconds: 3600 },
        { key: 'b1', gteMinor: 450000n, ltMinor: 500000n, windowSeconds: 86400 },
        { key: 'b2', gteMinor: 10000n, windowSeconds: 604800 },
      ],
      historySize: 30,
      maxWindowSeconds: 604800,
    });
    expect(m.bandKeys.get(live)).toEqual({ micro: 'b0', near: 'b1' });
    expect(m.bandKeys.get(shadow)).toEqual({ tiny: 'b0', week: 'b2' });
    expect(historySpec([file('none', undefined)]).spec).toEqual({
      referenceCurrency: 'USD',
      bands: [],
      historySize: 20,
      maxWindowSeconds: 86400,
    });
  });

  it('refuses files in different reference currencies', () => {
    expect(() => historySpec([live, file('eur', undefined, 'EUR')])).toThrow('rules eur use reference currency EUR, not USD');
    expect(() => historySpec([])).toThrow(RangeError);
  });

  it('historyFor gives each file its own band names and history size', () => {
    const m = historySpec([live, shadow]);
    const h = { ...EMPTY_HISTORY, bandCounts: { b0: 3, b1: 1, b2: 7 }, historyRefMinor: Array.from({ length: 30 }, (_, i) => BigInt(i)) };
    expect(historyFor(m, live, h)).toMatchObject({ bandCounts: { micro: 3, near: 1 } });
    expect(historyFor(m, live, h).historyRefMinor).toHaveLength(10);
    expect(historyFor(m, shadow, h)).toMatchObject({ bandCounts: { tiny: 3, week: 7 } });
    expect(historyFor(m, shadow, h).historyRefMinor).toHaveLength(30);
    expect(() => historyFor(m, file('other', undefined), h)).toThrow('rules other are not part of this history spec');
  });

  it('inBand: gte inclusive, lt exclusive, missing bounds unbounded', () => {
    expect([
      inBand({ gteMinor: 10n, ltMinor: 20n }, 10n),
      inBand({ gteMinor: 10n, ltMinor: 20n }, 20n),
      inBand({ ltMinor: 20n }, 0n),
      inBand({ gteMinor: 1n }, 10n ** 15n),
    ]).toEqual([true, false, true, true]);
  });
});

describe('features as stored JSON', () => {
  const f: RiskFeatures = {
    account: 'ACC_1',
    destination: 'ACC_2',
    currency: 'IDR',
    amountMinor: 9_007_199_254_740_991n,
    sourceCurrency: 'USD',
    amountRefMinor: 12345n,
    count1m: 1,
    count1h: 2,
    count24h: 3,
    sum1mRefMinor: 10n,
    sum1hRefMinor: 20n,
    sum24hRefMinor: 30n,
    destinationSeen: true,
    accountAgeSeconds: 86400,
    bandCounts: { micro: 2 },
    historyRefMinor: [5n, 0n, 7n],
  };

  it('round-trips exactly, as plain JSON (minor units as strings)', () => {
    const j = featuresToJson(f, 'USD');
    expect(j).toMatchObject({
      amount_minor: '9007199254740991',
      amount_ref_minor: '12345',
      reference_currency: 'USD',
      history_ref_minor: ['5', '0', '7'],
    });
    expect(featuresFromJson(JSON.parse(JSON.stringify(j)))).toEqual(f);
  });

  it('keeps absent features absent (new account, no destination, unpriced)', () => {
    const g: RiskFeatures = { account: 'A', currency: 'ARS', amountMinor: 5n, ...EMPTY_HISTORY, bandCounts: {}, historyRefMinor: [] };
    const j = featuresToJson(g, 'USD');
    expect(j).toMatchObject({
      destination: null,
      amount_ref_minor: null,
      account_age_seconds: null,
      destination_seen: null,
      source_currency: null,
    });
    expect(featuresFromJson(j)).toEqual(g);
  });

  it('rejects a malformed record', () => {
    const j = featuresToJson(f, 'USD');
    expect(() => featuresFromJson({ ...j, amount_minor: '1.5' })).toThrow(TypeError);
    expect(() => featuresFromJson({ ...j, count_1m: -1 })).toThrow(RangeError);
    expect(() => featuresFromJson({ ...j, currency: 'usd' })).toThrow(TypeError);
    expect(() => featuresFromJson({ ...j, history_ref_minor: ['1', 'x'] })).toThrow('history_ref_minor[1]');
  });
});
