/**
 * A nats-server (JetStream) of the test's own that can be stopped and started again on the SAME
 * port with the SAME store directory: what a NATS outage looks like to the services (their clients
 * reconnect to the same URL; streams and durable consumers survive on disk).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '@paygate/testing';

export interface RestartableNats {
  url: string;
  port: number;
  running(): boolean;
  /** SIGTERM and wait for the process to be gone (the port is free afterwards). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes the store directory. */
  dispose(): Promise<void>;
}

export async function startRestartableNats(): Promise<RestartableNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'paygate-nats-'));
  const bin = process.env.NATS_SERVER_BIN ?? 'nats-server';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    if (child) throw new Error('nats-server is already running');
    const c = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    child = c;
    exited = new Promise<void>((resolve) =>
      c.once('exit', () => {
        if (child === c) child = undefined;
        resolve();
      }),
    );
    await Promise.race([
      waitForPort(port, 15_000),
      new Promise((_, reject) => c.once('error', (e) => reject(new Error(`cannot start ${bin}: ${e.message}`)))),
    ]);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    running: () => child !== undefined,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
