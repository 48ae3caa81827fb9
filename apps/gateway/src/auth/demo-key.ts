import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DEMO_MERCHANT_ID } from '@paygate/contracts';
import { ApiKeyRepository } from './api-key.repository';
import { parseKey } from './api-keys';

export const DEMO_KEY = Symbol('DEMO_KEY');

/**
 * In production there is no demo key: a DEMO_API_KEY there stops the start with this message.
 * The first key of a production deployment comes from the CLI (`npm run cli -- keys create`).
 */
export function assertNoDemoKeyInProduction(env: string, demoKey: string | undefined): void {
  if (env === 'production' && demoKey) {
    throw new Error(
      'Invalid configuration:\n  DEMO_API_KEY: refused in production (NODE_ENV=production). ' +
        'Unset it and create keys with `npm run cli -- keys create --merchant <id> --scopes admin` against DATABASE_URL.',
    );
  }
}

/** Outside production: the demo merchant and its key exist from the first start, and are printed. */
@Injectable()
export class DemoKeySeeder implements OnApplicationBootstrap {
  private readonly log = new Logger('DemoKey');
  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(DEMO_KEY) private readonly demoKey: string | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.ensureMerchant(DEMO_MERCHANT_ID, 'Demo merchant');
    if (!this.demoKey) return;
    const parsed = parseKey(this.demoKey);
    if (!parsed) throw new Error('DEMO_API_KEY must look like pk_<prefix>_<secret>');
    await this.keys.insertKey({
      id: `key_demo_${parsed.prefix}`,
      merchantId: DEMO_MERCHANT_ID,
      name: 'demo',
      prefix: parsed.prefix,
      secretSha256: parsed.sha256,
      scopes: ['read', 'write', 'admin'],
    });
    this.log.log(`demo merchant ${DEMO_MERCHANT_ID}, API key: ${this.demoKey}`);
  }
}
