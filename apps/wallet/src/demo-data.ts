import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DEMO_MERCHANT_ID } from '@paygate/contracts';
import { WalletRepository } from './persistence/wallet.repository';

/** The seed's accounts for the demo merchant, funded at first start (idempotent). */
export const DEMO_WALLETS = [
  {
    accountId: 'ACC_001',
    defaultCurrency: 'USD',
    funds: [
      { currency: 'USD', minor: 1_000_000n },
      { currency: 'IDR', minor: 15_000_000_000n },
    ],
  },
  {
    accountId: 'ACC_SRC_ABC',
    defaultCurrency: 'USD',
    funds: [
      { currency: 'USD', minor: 10_000_000n },
      { currency: 'EUR', minor: 5_000_000n },
    ],
  },
  { accountId: 'ACC_DST_DEF', defaultCurrency: 'IDR', funds: [{ currency: 'IDR', minor: 100_000_000n }] },
];

@Injectable()
export class WalletDemoData implements OnApplicationBootstrap {
  constructor(private readonly repo: WalletRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.repo.openFunded(DEMO_MERCHANT_ID, DEMO_WALLETS);
  }
}
