import { loadRuntimeConfig } from '@paygate/platform';
import { printBanner, startMonolith } from './monolith';

async function main(): Promise<void> {
  const rt = loadRuntimeConfig(process.env, {});
  const monolith = await startMonolith(rt);
  await printBanner(monolith, rt);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void monolith.close().then(() => process.exit(0));
    });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
