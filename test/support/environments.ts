import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DEMO_MERCHANT_ID, ServiceName } from '@paygate/contracts';
import { RuntimeConfig, ServiceDefinition, startService } from '@paygate/platform';
import { createTestDatabase, startNatsServer, testRuntime } from '@paygate/testing';
import type { FxSettings, PaymentsSettings, WebhookSettings } from '@paygate/platform';
import { fxService } from '../../apps/fx/src/fx-app.module';
import { gatewayService, gatewayStartOptions } from '../../apps/gateway/src/gateway-app.module';
import { startMonolith } from '../../apps/monolith/src/monolith';
import { paymentsService } from '../../apps/payments/src/payments-app.module';
import { riskService } from '../../apps/risk/src/risk-app.module';
import { walletService } from '../../apps/wallet/src/wallet-app.module';

export interface EnvironmentOptions {
  fx?: Partial<FxSettings>;
  payments?: Partial<PaymentsSettings>;
  webhooks?: Partial<WebhookSettings>;
}

export interface TestEnvironment {
  mode: 'monolith' | 'microservices';
  rt: RuntimeConfig;
  urls: Record<ServiceName, string>;
  apps: Record<ServiceName, INestApplication>;
  demoKey: string;
  merchantId: string;
  /** Stops one service's app (its port and its message handlers). */
  stop(service: ServiceName): Promise<void>;
  close(): Promise<void>;
}

async function urlsOf(apps: Record<ServiceName, INestApplication>): Promise<Record<ServiceName, string>> {
  const out = {} as Record<ServiceName, string>;
  for (const [k, app] of Object.entries(apps)) out[k as ServiceName] = await app.getUrl();
  return out;
}

async function environment(
  mode: TestEnvironment['mode'],
  rt: RuntimeConfig,
  apps: Record<ServiceName, INestApplication>,
  afterClose: () => Promise<void>,
): Promise<TestEnvironment> {
  const s = stopper(apps);
  return {
    mode,
    rt,
    urls: await urlsOf(apps),
    apps,
    demoKey: rt.demoApiKey!,
    merchantId: DEMO_MERCHANT_ID,
    stop: s.stop,
    async close() {
      await s.closeAll(['gateway', 'payments', 'risk', 'fx', 'wallet']);
      await afterClose();
    },
  };
}

function stopper(apps: Record<ServiceName, INestApplication>) {
  const stopped = new Set<ServiceName>();
  return {
    async stop(service: ServiceName) {
      if (stopped.has(service)) return;
      stopped.add(service);
      await apps[service].close();
    },
    async closeAll(order: ServiceName[]) {
      for (const s of order) {
        if (stopped.has(s)) continue;
        stopped.add(s);
        await apps[s].close();
      }
    },
  };
}

/** The monolith: five apps in this process over the in-process bus, on an in-memory PGlite. */
export async function monolithEnvironment(opts: EnvironmentOptions = {}): Promise<TestEnvironment> {
  const rt = await testRuntime({ mode: 'in-process', fx: opts.fx, payments: opts.payments, webhooks: opts.webhooks });
  const m = await startMonolith(rt);
  const apps = m.apps as Record<ServiceName, INestApplication>;
  return environment('monolith', rt, apps, async () => undefined);
}

/**
 * Separate apps, one per service, each with its own PostgreSQL pool and NATS connection, talking
 * over a real nats-server (private to this test file) and a real PostgreSQL database of its own.
 */
export async function microservicesEnvironment(opts: EnvironmentOptions = {}): Promise<TestEnvironment> {
  const nats = await startNatsServer();
  const db = await createTestDatabase();
  const rt = await testRuntime({
    mode: 'nats',
    natsUrl: nats.url,
    databaseUrl: db.url,
    fx: opts.fx,
    payments: opts.payments,
    webhooks: opts.webhooks,
  });
  // Rate limit buckets in the machine's Redis: a prefix of this environment's own, so parallel test files never share one.
  rt.rateLimit = { ...rt.rateLimit, redisPrefix: `paygate:test:${process.pid}:${randomBytes(4).toString('hex')}` };
  const defs: ServiceDefinition[] = [walletService, fxService, riskService, paymentsService];
  const apps = {} as Record<ServiceName, INestApplication>;
  for (const def of defs) apps[def.service] = await startService(def, rt, { rpcServer: true });
  apps.gateway = await startService(gatewayService(rt), rt, gatewayStartOptions);
  return environment('microservices', rt, apps, async () => {
    await nats.stop();
    await db.drop();
  });
}
