import { DEFAULT_SHUTDOWN_TIMEOUT_MS, drainAndClose, exitOnSignal, initTracing, loadRuntimeConfig } from '@paygate/platform';
import { printBanner, startMonolith } from './monolith';

async function main(): Promise<void> {
  // All five in one process over the in-process bus: no NATS to configure (also in production).
  const rt = loadRuntimeConfig({ ...process.env, TRANSPORT: process.env.TRANSPORT ?? 'in-process' }, {});
  initTracing('monolith'); // off unless OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_TRACES_EXPORTER (README)
  const monolith = await startMonolith(rt);
  await printBanner(monolith, rt);
  // SIGTERM/SIGINT: stop accepting on all five ports, let requests and handlers in flight finish, close, exit 0.
  exitOnSignal(() => drainAndClose(Object.values(monolith.apps), () => monolith.close()), {
    timeoutMs: rt.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
