import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port (polls the observable outcome). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

export interface NatsServerHandle {
  url: string;
  port: number;
  /** The server's process, when this started one (undefined for an existing NATS_URL). */
  pid?: number;
  stop(): Promise<void>;
}

/**
 * A private nats-server (with JetStream) on a free loopback port for one test file, so parallel
 * test files never see each other's subjects. `TEST_NATS_URL` uses an existing server instead.
 */
export async function startNatsServer(): Promise<NatsServerHandle> {
  if (process.env.TEST_NATS_URL) {
    const url = process.env.TEST_NATS_URL;
    return { url, port: Number(new URL(url.replace(/^nats:/, 'http:')).port), stop: async () => undefined };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'paygate-nats-'));
  const bin = process.env.NATS_SERVER_BIN ?? 'nats-server';
  const child: ChildProcess = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    waitForPort(port),
    new Promise((_, reject) => child.once('error', (e) => reject(new Error(`cannot start ${bin}: ${e.message}`)))),
  ]);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
