/**
 * The demo merchant's data, created on first start: the seed's named accounts and the
 * `ACC_SRC_0000…9999` / `ACC_DST_0000…9999` ranges the seed's generator (dummygen) and k6
 * scripts draw from. Amounts are minor units (bigint) of each currency's ISO 4217 exponent.
 */
export interface DemoWallet {
  accountId: string;
  defaultCurrency: string;
  funds: ReadonlyArray<{ currency: string; minor: bigint }>;
}

export interface DemoRange {
  /** `ACC_SRC_` → `ACC_SRC_0000` … `ACC_SRC_9999`. */
  prefix: string;
  count: number;
  /** Digits of the zero-padded suffix. */
  width: number;
  defaultCurrency: string;
  funds: ReadonlyArray<{ currency: string; minor: bigint }>;
}

/** The currencies the demo data and the generator use. */
export const DEMO_CURRENCIES = ['USD', 'EUR', 'IDR', 'SGD', 'JPY', 'GBP'] as const;

export const DEMO_NAMED_WALLETS: readonly DemoWallet[] = [
  {
    accountId: 'ACC_001',
    defaultCurrency: 'USD',
    funds: [
      { currency: 'USD', minor: 1_000_000n }, // 10,000.00
      { currency: 'IDR', minor: 15_000_000_000n }, // 150,000,000.00
    ],
  },
  {
    accountId: 'ACC_SRC_ABC',
    defaultCurrency: 'USD',
    funds: [
      { currency: 'USD', minor: 10_000_000n }, // 100,000.00
      { currency: 'EUR', minor: 5_000_000n }, // 50,000.00
    ],
  },
  { accountId: 'ACC_DST_DEF', defaultCurrency: 'IDR', funds: [{ currency: 'IDR', minor: 100_000_000n }] }, // 1,000,000.00
];

export const DEMO_RANGES: readonly DemoRange[] = [
  {
    prefix: 'ACC_SRC_',
    count: 10_000,
    width: 4,
    defaultCurrency: 'USD',
    funds: [
      { currency: 'USD', minor: 100_000_000n }, // 1,000,000.00
      { currency: 'EUR', minor: 100_000_000n }, // 1,000,000.00
      { currency: 'IDR', minor: 1_000_000_000_000n }, // 10,000,000,000.00
      { currency: 'SGD', minor: 100_000_000n }, // 1,000,000.00
      { currency: 'JPY', minor: 100_000_000n }, // 100,000,000 (exponent 0)
    ],
  },
  {
    prefix: 'ACC_DST_',
    count: 10_000,
    width: 4,
    defaultCurrency: 'IDR',
    funds: [
      { currency: 'IDR', minor: 10_000_000n }, // 100,000.00
      { currency: 'USD', minor: 100_000n }, // 1,000.00
    ],
  },
];

/** `ACC_SRC_` 7 → `ACC_SRC_0007`. */
export function demoAccountId(range: Pick<DemoRange, 'prefix' | 'width'>, n: number): string {
  return `${range.prefix}${String(n).padStart(range.width, '0')}`;
}
