import { INestApplication } from '@nestjs/common';
import { RuntimeConfig, ServiceDefinition, StartOptions, startService } from '@paygate/platform';
import { fxService } from '../../fx/src/fx-app.module';
import { gatewayService, gatewayStartOptions } from '../../gateway/src/gateway-app.module';
import { paymentsService } from '../../payments/src/payments-app.module';
import { riskService } from '../../risk/src/risk-app.module';
import { walletService } from '../../wallet/src/wallet-app.module';

export interface Monolith {
  apps: Record<string, INestApplication>;
  close(): Promise<void>;
}

/**
 * All five services in one process, each on its own port with its own routes, metrics registry
 * and health, talking over the in-process bus; one embedded PGlite (or DATABASE_URL) shared,
 * each service in its own schema. The gateway starts last, when everything behind it answers.
 */
export async function startMonolith(base: RuntimeConfig): Promise<Monolith> {
  const rt: RuntimeConfig = { ...base, transport: { ...base.transport, mode: 'in-process' } };
  const backends: ServiceDefinition[] = [walletService, fxService, riskService, paymentsService];
  const apps: Record<string, INestApplication> = {};
  const started: INestApplication[] = [];
  const close = async () => {
    for (const app of started.reverse()) await app.close();
  };
  try {
    for (const def of backends) {
      const opts: StartOptions = { rpcServer: true, pgliteName: 'monolith' };
      apps[def.service] = await startService(def, rt, opts);
      started.push(apps[def.service]);
    }
    apps.gateway = await startService(gatewayService(rt), rt, { ...gatewayStartOptions, pgliteName: 'monolith' });
    started.push(apps.gateway);
  } catch (e) {
    await close();
    throw e;
  }
  return { apps, close };
}

export async function printBanner(m: Monolith, rt: RuntimeConfig): Promise<void> {
  const lines = [
    `Paygate monolith is up (transport in-process, database ${rt.database.url ? 'PostgreSQL' : `PGlite in ${rt.database.dataDir}`})`,
    ...(await Promise.all(Object.entries(m.apps).map(async ([name, app]) => `  ${name.padEnd(9)} ${await app.getUrl()}`))),
    `  API docs  ${await m.apps.gateway.getUrl()}/docs`,
    rt.demoApiKey ? `  demo key  ${rt.demoApiKey}   (curl -H "Authorization: Bearer ${rt.demoApiKey}" …)` : '  no demo key (production)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
