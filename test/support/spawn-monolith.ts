/**
 * The monolith as a real process, started from `dist` (built on demand like the stack's services,
 * see `ensureBuilt`): all five services in one Node process over the in-process bus, on free
 * loopback ports, with an embedded PGlite in a temporary DATA_DIR. stdout and stderr go to one
 * file (a file descriptor: nothing is lost on a kill), read back with `logs()`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@paygate/testing';
import { EnvOverrides, STACK_SERVICES, StackService, distEntry, ensureBuilt, loopbackPortsEnv } from './stack';

export interface SpawnedMonolith {
  urls: Record<StackService, string>;
  pid: number;
  logs(): string;
  /** SIGTERM (SIGKILL after 10 s), then removes its directory unless `keep`. */
  stop(keep?: boolean): Promise<void>;
}

export async function spawnMonolith(extraEnv: EnvOverrides = {}, healthTimeoutMs = 120_000): Promise<SpawnedMonolith> {
  await ensureBuilt(['monolith']);
  const dir = mkdtempSync(join(tmpdir(), 'paygate-monolith-'));
  const logFile = join(dir, 'monolith.log');
  const ports = {} as Record<StackService, number>;
  for (const s of STACK_SERVICES) ports[s] = await freePort();
  const urls = Object.fromEntries(STACK_SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<StackService, string>;

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.DATABASE_URL;
  Object.assign(env, {
    NODE_ENV: 'test',
    DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'warn',
    FX_PROVIDERS: 'ecb',
    ...loopbackPortsEnv(ports),
    ...extraEnv,
  });
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];

  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [distEntry('monolith')], {
    cwd: resolve(__dirname, '..', '..'),
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let done = false;
  const exit = new Promise<void>((res) =>
    child.once('exit', () => {
      done = true;
      res();
    }),
  );
  const logs = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  const stop = async (keep = false) => {
    if (!done) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(t);
    }
    if (keep) process.stderr.write(`monolith logs kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };

  // The gateway starts last: once it answers /healthz, all five are up.
  const until = Date.now() + healthTimeoutMs;
  for (;;) {
    if (done) {
      await stop(true);
      throw new Error(`the monolith exited before it was healthy:\n${logs().split('\n').slice(-40).join('\n')}`);
    }
    try {
      const res = await fetch(`${urls.gateway}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop(true);
      throw new Error(`the monolith is not healthy after ${healthTimeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { urls, pid: child.pid!, logs, stop };
}
