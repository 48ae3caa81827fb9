import { FxSettings, PaymentsSettings, RuntimeConfig, WebhookSettings, loadRuntimeConfig } from '@paygate/platform';
import { freePort } from './nats-server';

/** A runtime config for tests: free ports, quiet logs, in-memory PGlite unless a URL is given. */
export async function testRuntime(overrides: {
  databaseUrl?: string;
  natsUrl?: string;
  mode: 'nats' | 'in-process';
  /** Default: the ECB reference only, so rates are the snapshot's and tests can compute them. */
  fx?: Partial<FxSettings>;
  payments?: Partial<PaymentsSettings>;
  webhooks?: Partial<WebhookSettings>;
}): Promise<RuntimeConfig> {
  const base = loadRuntimeConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error' });
  const ports = {
    gateway: await freePort(),
    payments: await freePort(),
    fx: await freePort(),
    wallet: await freePort(),
    risk: await freePort(),
  };
  return {
    ...base,
    ports,
    gatewayHost: '127.0.0.1',
    transport: { ...base.transport, mode: overrides.mode, natsUrl: overrides.natsUrl ?? base.transport.natsUrl },
    database: { ...base.database, url: overrides.databaseUrl, dataDir: 'memory://' },
    fx: { ...base.fx, providers: ['ecb'], ...overrides.fx },
    payments: { ...base.payments, ...overrides.payments },
    webhooks: { ...base.webhooks, ...overrides.webhooks },
  };
}
