/**
 * Euro foreign exchange reference rates of the European Central Bank, published 2024-12-31
 * (units of each currency per 1 EUR). Bundled so the zero-setup monolith has real reference rates
 * without network access; the figures are kept as the exact decimal strings the ECB publishes.
 */
export const ECB_REFERENCE_SNAPSHOT = {
  source: 'ecb-reference',
  /** ECB reference rates are set at 14:15 CET and published around 16:00 CET. */
  asOf: '2024-12-31T15:00:00.000Z',
  pivot: 'EUR',
  rates: {
    USD: '1.0389',
    JPY: '163.06',
    BGN: '1.9558',
    CZK: '25.185',
    DKK: '7.4578',
    GBP: '0.82918',
    HUF: '411.35',
    PLN: '4.2750',
    RON: '4.9743',
    SEK: '11.4590',
    CHF: '0.9412',
    ISK: '144.20',
    NOK: '11.7950',
    TRY: '36.7372',
    AUD: '1.6772',
    BRL: '6.4253',
    CAD: '1.4948',
    CNY: '7.5833',
    HKD: '8.0686',
    IDR: '16820.00',
    ILS: '3.7943',
    INR: '88.9335',
    KRW: '1532.15',
    MXN: '21.5504',
    MYR: '4.6454',
    NZD: '1.8532',
    PHP: '60.195',
    SGD: '1.4164',
    THB: '35.676',
    ZAR: '19.6188',
  } as Record<string, string>,
} as const;

export type ReferenceSnapshot = typeof ECB_REFERENCE_SNAPSHOT;
