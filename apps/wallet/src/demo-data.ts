import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DEMO_MERCHANT_ID } from '@paygate/contracts';
import { Db, InjectDb } from '@paygate/database';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { seedDemoWallets } from './persistence/demo-seed';

const log = new Logger('WalletDemoData');

/**
 * The demo merchant's wallets, created on first start: the seed's named accounts and the
 * ACC_SRC_/ACC_DST_ ranges (set-based SQL, about a second). Later starts find them and do nothing.
 * Off in production unless `DEMO_DATA=true`.
 */
@Injectable()
export class WalletDemoData implements OnApplicationBootstrap {
  constructor(
    @InjectDb() private readonly db: Db,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.rt.demoData) return;
    const r = await seedDemoWallets(this.db, DEMO_MERCHANT_ID);
    if (r.seeded) log.log(`demo data: ${r.accounts} wallets funded in ${Math.round(r.ms)} ms`);
  }
}
