/**
 * The real deployment in a test: the five services as separate Node processes, started from
 * `dist` (built on demand, see `ensureBuilt`), on free loopback ports, talking over a private
 * nats-server, each with its own connection pool to one fresh PostgreSQL database.
 *
 *   const stack = await startStack({ services: { payments: { PAYGATE_CRASH_AT: 'after_risk' } } });
 *   await request(stack.urls.gateway).post('/payments').set(stack.auth()).send(...);
 *   await stack.exited('payments');                      // it crashed (see libs/platform crash-points)
 *   await stack.restart('payments', { PAYGATE_CRASH_AT: undefined });
 *   stack.logs('payments');                              // everything it wrote, across restarts
 *   await stack.stop();                                  // all processes, NATS, the database
 *
 * Every process runs with NODE_ENV=test, TRANSPORT=nats, LOG_LEVEL=warn, FX_PROVIDERS=ecb (the
 * dated reference: no moving rates) and RATE_LIMIT_STORE=memory (no shared Redis) unless overridden. Its stdout and stderr go straight to
 * `<logDir>/<service>.log` (a file descriptor, so nothing is lost when it is SIGKILLed); every
 * start appends a `--- start #n (pid …)` line. `logDir` is kept after `stop()` when
 * `keepLogs` is set or a test failed (the path is printed), otherwise removed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_MERCHANT_ID } from '@paygate/contracts';
import { DEFAULT_DEMO_API_KEY } from '@paygate/platform';
import { TestDatabase, createTestDatabase, freePort, startNatsServer } from '@paygate/testing';
import type { NatsServerHandle } from '@paygate/testing';

export const STACK_SERVICES = ['wallet', 'fx', 'risk', 'payments', 'gateway'] as const;
export type StackService = (typeof STACK_SERVICES)[number];

/** Env overrides: a value of `undefined` removes the variable. */
export type EnvOverrides = Record<string, string | undefined>;

export interface StackOptions {
  /** Env for every process (on top of the defaults). */
  env?: EnvOverrides;
  /** Env per process (on top of `env`). */
  services?: Partial<Record<StackService, EnvOverrides>>;
  /** Which services to run (default: all five). */
  only?: readonly StackService[];
  /** Keep the log directory after stop() (it is also kept when the caller says a test failed). */
  keepLogs?: boolean;
  /** How long each process may take to answer 200 on /healthz (default 60 s). */
  healthTimeoutMs?: number;
  /** Use this NATS instead of a private one (the caller starts and stops it; stop() leaves it alone). */
  natsUrl?: string;
  /** Use this database instead of a fresh one (the caller owns it; stop() does not drop it). */
  databaseUrl?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Stack {
  urls: Record<StackService, string>;
  ports: Record<StackService, number>;
  natsUrl: string;
  databaseUrl: string;
  logDir: string;
  demoKey: string;
  merchantId: string;
  /** `Authorization` header of the demo merchant. */
  auth(): Record<string, string>;
  /** The pid of the service's current process (undefined when it is not running). */
  pid(service: StackService): number | undefined;
  running(service: StackService): boolean;
  /** Resolves when the service's current process has exited (at once if it is not running). */
  exited(service: StackService, timeoutMs?: number): Promise<ProcessExit>;
  /** Sends the signal (default SIGKILL) and waits for the process to be gone. */
  kill(service: StackService, signal?: NodeJS.Signals): Promise<ProcessExit>;
  /** Starts the service (it must not be running) with extra env, and waits until it is healthy. */
  start(service: StackService, env?: EnvOverrides): Promise<void>;
  /** kill (SIGKILL unless told) if running, then start with `env` on top of the stack's env for it. */
  restart(service: StackService, env?: EnvOverrides, signal?: NodeJS.Signals): Promise<void>;
  /** Waits until the services (default: every running one) answer 200 on /healthz. */
  waitHealthy(services?: readonly StackService[], timeoutMs?: number): Promise<void>;
  /** What the service's processes wrote so far (all its starts). */
  logs(service: StackService): string;
  /** Stops every process (SIGTERM, then SIGKILL after 5 s), NATS and the database. */
  stop(opts?: { keepLogs?: boolean }): Promise<void>;
}

const ROOT = resolve(__dirname, '..', '..');

/** The built entry of a service, as `nest build <app>` writes it. */
export function distEntry(app: string): string {
  return join(ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
}

function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, statSync(p).mtimeMs);
      }
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

const stampOf = (app: string) => join(ROOT, 'dist', '.test-stamps', app);

function staleApps(apps: readonly string[]): string[] {
  const libs = readdirSync(join(ROOT, 'libs')).map((l) => join(ROOT, 'libs', l, 'src'));
  const libsNewest = newestSource(libs);
  return apps.filter((app) => {
    if (!existsSync(distEntry(app))) return true;
    // Last build: our stamp, or tsc's build info (rewritten by any build that changed something, e.g. `npm run build`).
    const markers = [stampOf(app), join(ROOT, 'dist', 'apps', app, 'tsconfig.app.tsbuildinfo')].filter((f) => existsSync(f));
    if (markers.length === 0) return true;
    const built = Math.max(...markers.map((f) => statSync(f).mtimeMs));
    return Math.max(libsNewest, newestSource([join(ROOT, 'apps', app, 'src')])) > built;
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', rej);
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`))));
  });
}

/**
 * Builds the apps with `nest build <app>` unless `dist` is newer than their sources (apps/<app>/src
 * and libs/; the last build is a stamp per app under dist/.test-stamps, or tsc's build info, so a
 * prior `npm run build` counts). Safe when several test files call it at once: one builds under a
 * lock directory (dist/.test-build.lock), the others wait for the lock to go and check again.
 * Slow on a busy machine (about 15 s an app on 2 idle cores): CI runs `npm run build` first.
 * `PAYGATE_TEST_SKIP_BUILD=1` trusts dist as it is.
 */
export async function ensureBuilt(apps: readonly string[] = STACK_SERVICES, timeoutMs = 600_000): Promise<void> {
  if (process.env.PAYGATE_TEST_SKIP_BUILD === '1') return;
  const lock = join(ROOT, 'dist', '.test-build.lock');
  mkdirSync(join(ROOT, 'dist', '.test-stamps'), { recursive: true });
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (staleApps(apps).length === 0) return;
    try {
      mkdirSync(lock);
    } catch {
      // Someone else builds: wait for the lock to go (or break it when its owner died long ago).
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > timeoutMs) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`the build lock ${lock} was held for more than ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      for (const app of staleApps(apps)) {
        const startedAt = new Date();
        try {
          await run(join(ROOT, 'node_modules', '.bin', 'nest'), ['build', app]);
        } catch (e) {
          // tsc emits despite type errors (the typecheck is its own gate): go on when it did emit.
          if (!/Found \d+ error/.test(String(e)) || !existsSync(distEntry(app))) throw e;
          process.stderr.write(`ensureBuilt: nest build ${app} reported type errors; running what it emitted\n`);
        }
        writeFileSync(stampOf(app), `${startedAt.toISOString()}\n`);
        // The stamp says "built from the sources as they were when the build started".
        utimesSync(stampOf(app), startedAt, startedAt);
      }
      return; // built once: sources edited meanwhile are for the next run
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

interface Proc {
  child: ChildProcess;
  exit: Promise<ProcessExit>;
  done: boolean;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const services = opts.only ?? STACK_SERVICES;
  await ensureBuilt(services);
  const healthTimeoutMs = opts.healthTimeoutMs ?? 60_000;
  const logDir = mkdtempSync(join(tmpdir(), 'paygate-stack-'));
  const nats: NatsServerHandle = opts.natsUrl
    ? { url: opts.natsUrl, port: Number(new URL(opts.natsUrl.replace(/^nats:/, 'http:')).port), stop: async () => undefined }
    : await startNatsServer();
  let db: TestDatabase | undefined;
  const procs = new Map<StackService, Proc>();
  const starts = new Map<StackService, number>();
  try {
    db = opts.databaseUrl
      ? { url: opts.databaseUrl, name: new URL(opts.databaseUrl).pathname.slice(1), drop: async () => undefined }
      : await createTestDatabase();
  } catch (e) {
    await nats.stop();
    throw e;
  }
  const ports = {} as Record<StackService, number>;
  for (const s of STACK_SERVICES) ports[s] = await freePort();
  const urls = {} as Record<StackService, string>;
  for (const s of STACK_SERVICES) urls[s] = `http://127.0.0.1:${ports[s]}`;

  const baseEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Not for the children: jest's flags and anything crash-related from the runner's own env.
    delete env.NODE_OPTIONS;
    delete env.PAYGATE_CRASH_AT;
    return {
      ...env,
      NODE_ENV: 'test',
      TRANSPORT: 'nats',
      NATS_URL: nats.url,
      DATABASE_URL: db!.url,
      LOG_LEVEL: 'warn',
      FX_PROVIDERS: 'ecb',
      // The gateway's rate limits in memory: the shared Redis would couple parallel test files.
      RATE_LIMIT_STORE: 'memory',
      ...loopbackPortsEnv(ports),
    };
  };
  const envFor = (service: StackService, extra: EnvOverrides = {}): NodeJS.ProcessEnv => {
    const env = { ...baseEnv(), ...opts.env, ...opts.services?.[service], ...extra };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    return env;
  };

  const spawnService = (service: StackService, extra?: EnvOverrides) => {
    const current = procs.get(service);
    if (current && !current.done) throw new Error(`${service} is already running (pid ${current.child.pid})`);
    const n = (starts.get(service) ?? 0) + 1;
    starts.set(service, n);
    const file = join(logDir, `${service}.log`);
    const fd = openSync(file, 'a');
    const env = envFor(service, extra);
    const child = spawn(process.execPath, [distEntry(service)], { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
    writeSync(fd, `--- start #${n} (pid ${child.pid})${env.PAYGATE_CRASH_AT ? ` PAYGATE_CRASH_AT=${env.PAYGATE_CRASH_AT}` : ''}\n`);
    closeSync(fd);
    const proc: Proc = { child, done: false, exit: undefined as unknown as Promise<ProcessExit> };
    proc.exit = new Promise<ProcessExit>((res) =>
      child.once('exit', (code, signal) => {
        proc.done = true;
        res({ code, signal });
      }),
    );
    procs.set(service, proc);
  };

  const healthy = async (service: StackService, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const p = procs.get(service);
      if (!p || p.done) {
        throw new Error(`${service} exited before it was healthy; its log (${join(logDir, `${service}.log`)}):\n${tail(logs(service))}`);
      }
      try {
        const res = await fetch(`${urls[service]}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`${service} not healthy after ${timeoutMs} ms:\n${tail(logs(service))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const logs = (service: StackService): string => {
    const file = join(logDir, `${service}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };

  const exited = async (service: StackService, timeoutMs = 30_000): Promise<ProcessExit> => {
    const p = procs.get(service);
    if (!p) return { code: null, signal: null };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p.exit,
        new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error(`${service} (pid ${p.child.pid}) still running after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const kill = async (service: StackService, signal: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> => {
    const p = procs.get(service);
    if (!p || p.done) return p ? p.exit : { code: null, signal: null };
    p.child.kill(signal);
    return exited(service);
  };

  const waitHealthy = async (which: readonly StackService[] = services, timeoutMs = healthTimeoutMs) => {
    await Promise.all(which.filter((s) => procs.get(s) && !procs.get(s)!.done).map((s) => healthy(s, timeoutMs)));
  };

  const stopAll = async (keep: boolean) => {
    await Promise.all(
      [...procs.entries()].map(async ([, p]) => {
        if (p.done) return;
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
        await p.exit;
        clearTimeout(t);
      }),
    );
    await nats.stop();
    await db?.drop();
    if (keep) process.stderr.write(`stack logs kept in ${logDir}\n`);
    else rmSync(logDir, { recursive: true, force: true });
  };

  try {
    // The wallet first: it creates the demo merchant's wallets; the others start meanwhile.
    for (const s of services) spawnService(s);
    // Every service must come up (one that exited is an error, not skipped). A free port can be
    // taken by a parallel test file between freePort() and the child's listen: then that
    // service alone starts again on another port (no other service reaches it by its port).
    await Promise.all(
      services.map(async (s) => {
        try {
          await healthy(s, healthTimeoutMs);
        } catch (e) {
          if (!procs.get(s)?.done || !logs(s).includes('EADDRINUSE')) throw e;
          ports[s] = await freePort();
          urls[s] = `http://127.0.0.1:${ports[s]}`;
          spawnService(s);
          await healthy(s, healthTimeoutMs);
        }
      }),
    );
  } catch (e) {
    await stopAll(true);
    throw e;
  }

  return {
    urls,
    ports,
    natsUrl: nats.url,
    databaseUrl: db.url,
    logDir,
    demoKey: DEFAULT_DEMO_API_KEY,
    merchantId: DEMO_MERCHANT_ID,
    auth: () => ({ Authorization: `Bearer ${DEFAULT_DEMO_API_KEY}` }),
    pid: (s) => (procs.get(s)?.done === false ? procs.get(s)!.child.pid : undefined),
    running: (s) => procs.get(s)?.done === false,
    exited,
    kill,
    async start(service, env) {
      spawnService(service, env);
      await healthy(service, healthTimeoutMs);
    },
    async restart(service, env, signal = 'SIGKILL') {
      await kill(service, signal);
      spawnService(service, env);
      await healthy(service, healthTimeoutMs);
    },
    waitHealthy,
    logs,
    stop: (o) => stopAll(o?.keepLogs ?? opts.keepLogs ?? false),
  };
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Every service bound to loopback on the given ports: the env a spawned deployment needs. */
export function loopbackPortsEnv(ports: Record<StackService, number>): NodeJS.ProcessEnv {
  return {
    GATEWAY_HOST: '127.0.0.1',
    SERVICE_HOST: '127.0.0.1',
    GATEWAY_PORT: String(ports.gateway),
    PAYMENTS_PORT: String(ports.payments),
    FX_PORT: String(ports.fx),
    WALLET_PORT: String(ports.wallet),
    RISK_PORT: String(ports.risk),
  };
}
