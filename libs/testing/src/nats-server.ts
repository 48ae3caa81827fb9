import { ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The OS's range for outgoing connections' local ports (Linux; the IANA range elsewhere). A
 * port handed out by `listen(0)` lies in it, so any outgoing connection (to PostgreSQL, NATS,
 * Redis: the tests open thousands) may take it between `freePort()` and the server's own
 * `listen`. The ports handed out here lie below it.
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not Linux
  }
  return [49152, 65535];
}

const FIRST_PORT = 20_000;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A loopback port that nothing listens on, below the range of outgoing connections' ports, and
 * picked at random so parallel test files (other processes) rarely pick the same one; never the
 * same one twice in this process.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const span = ephemeralLow - FIRST_PORT;
  if (span < 1000) throw new Error(`the outgoing port range starts at ${ephemeralLow}: too low to pick test ports below it`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST_PORT + randomInt(span);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port in ${FIRST_PORT}-${ephemeralLow - 1} after 100 attempts`);
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
