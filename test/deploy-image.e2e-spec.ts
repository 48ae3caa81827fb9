/**
 * The image's start path, without a Docker engine: docker/Dockerfile's runtime stage replayed in a
 * temp dir (its COPYs from the context and from the build and deps stages; the deps stage's own
 * `npm ci --omit=dev`, through the npm cache), then its ENTRYPOINT for every app in production
 * mode against a fresh PostgreSQL database and a NATS that requires credentials: /livez 200, the
 * HEALTHCHECK command passes, SIGTERM → exit 0 within seconds. And a SIGTERM that arrives while a
 * request is in flight: the port stops accepting, the request completes, then the process exits 0.
 * `dist` is built first when stale (test/support/stack.ts ensureBuilt).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect as connectNats } from 'nats';
import { Client } from 'pg';
import { ROUTES } from '@paygate/contracts';
import { DEFAULT_DEMO_API_KEY } from '@paygate/platform';
import { TestDatabase, createTestDatabase, freePort, waitForPort } from '@paygate/testing';
import { execForm, healthcheckCommand, stage } from './support/dockerfile';
import { eventually } from './support/eventually';
import { ensureBuilt } from './support/stack';

const ROOT = resolve(__dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

const APP_SERVICES = ['gateway', 'payments', 'fx', 'wallet', 'risk'] as const;
const ALL_APPS = [...APP_SERVICES, 'monolith'] as const;

interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

describe('the image start path (Dockerfile runtime stage replayed without Docker)', () => {
  let imageDir: string;
  let workDir: string;
  let nats: ChildProcess;
  let natsUrl: string;
  const NATS_USER = 'paygate';
  const NATS_PASS = `pw-${process.pid}`;
  const dbs: TestDatabase[] = [];
  const running = new Set<Running>();

  beforeAll(async () => {
    await ensureBuilt(ALL_APPS);
    workDir = mkdtempSync(join(tmpdir(), 'paygate-image-'));
    imageDir = join(workDir, 'app');
    const stageDirs: Record<string, string> = { deps: join(workDir, 'deps'), build: ROOT };
    const out = join(workDir, 'out');
    // build stage: what it adds after `npm run build` (dist itself is the build's output, above).
    for (const step of stage('build').steps.filter((i) => i.op === 'RUN')) {
      const cmds = step.args.split('&&').map((c) => c.trim());
      const extra = cmds.filter((c) => !/^npm (ci|run build)\b/.test(c)).map((c) => c.replace(/(^|\s)\/out\b/g, `$1${out}`));
      if (extra.length > 0) execFileSync('sh', ['-c', extra.join(' && ')], { cwd: ROOT });
    }
    // deps stage: its COPYs from the context, then its RUN (the machine's npm cache; never cleaned).
    mkdirSync(stageDirs.deps, { recursive: true });
    for (const step of stage('deps').steps) {
      if (step.op === 'COPY') {
        const parts = step.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) cpSync(join(ROOT, src), join(stageDirs.deps, src));
      } else if (step.op === 'RUN') {
        const cmd = step.args
          .split('&&')
          .map((c) => c.trim())
          .filter((c) => !/^npm cache clean/.test(c))
          .join(' && ');
        execFileSync('sh', ['-c', cmd], {
          cwd: stageDirs.deps,
          stdio: 'pipe',
          env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
        });
      }
    }
    // runtime stage: every COPY, from the context or from a stage (/app is the stage's WORKDIR).
    mkdirSync(imageDir, { recursive: true });
    for (const step of stage('runtime').steps.filter((i) => i.op === 'COPY')) {
      const from = /--from=(\S+)/.exec(step.args)?.[1];
      const parts = step.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const dest = join(imageDir, parts[parts.length - 1]);
      for (const src of parts.slice(0, -1)) {
        const source = !from
          ? join(ROOT, src)
          : src.startsWith('/out/')
            ? join(out, src.slice(5))
            : join(stageDirs[from], src.replace(/^\/app\/?/, ''));
        const target = parts[parts.length - 1].endsWith('/') && parts.length > 2 ? join(dest, src.split('/').pop()!) : dest;
        cpSync(source, target, { recursive: true });
      }
    }
    // NATS with credentials (as in compose), private to this file so no other test sees its subjects.
    const port = await freePort();
    natsUrl = `nats://127.0.0.1:${port}`;
    nats = spawn(
      process.env.NATS_SERVER_BIN ?? 'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(workDir, 'js'), '--user', NATS_USER, '--pass', NATS_PASS],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port);
  }, 900_000);

  afterAll(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    nats?.kill('SIGTERM');
    await Promise.all(dbs.map((d) => d.drop()));
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('holds production dependencies only, the migrations and rules, and no sources', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(imageDir, 'node_modules', dep))).toBe(true);
    for (const dev of ['jest', 'typescript', '@nestjs/cli', 'eslint']) expect(existsSync(join(imageDir, 'node_modules', dev))).toBe(false);
    for (const svc of APP_SERVICES)
      expect(readdirSync(join(imageDir, 'apps', svc, 'src', 'persistence', 'migrations')).some((f) => f.endsWith('.sql'))).toBe(true);
    expect(existsSync(join(imageDir, 'apps', 'risk', 'rules'))).toBe(true);
    expect(existsSync(join(imageDir, 'apps', 'payments', 'src', 'main.ts'))).toBe(false);
  });

  async function runApp(
    app: (typeof ALL_APPS)[number],
    extra: Record<string, string> = {},
  ): Promise<{ r: Running; port: number; env: Record<string, string> }> {
    const db = await createTestDatabase();
    dbs.push(db);
    const ports = Object.fromEntries(
      await Promise.all(APP_SERVICES.map(async (s) => [`${s.toUpperCase()}_PORT`, String(await freePort())])),
    );
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      APP: app,
      NATS_URL: natsUrl,
      NATS_USER,
      NATS_PASS,
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      RATE_LIMIT_REDIS_PREFIX: `paygate-deploy-${process.pid}`,
      SERVICE_HOST: '127.0.0.1',
      GATEWAY_HOST: '127.0.0.1',
      FX_PROVIDERS: 'ecb',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '8000',
      ...ports,
      ...extra,
    };
    if (app !== 'monolith') env.TRANSPORT = 'nats';
    const [cmd, ...args] = [...execForm(stage('runtime'), 'ENTRYPOINT'), ...execForm(stage('runtime'), 'CMD')];
    const child = spawn(cmd, args, { cwd: imageDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.once('exit', (code, signal) => res({ code, signal })),
    );
    const r: Running = { child, output: () => output, exit };
    running.add(r);
    void exit.then(() => running.delete(r));
    const svc = app === 'monolith' ? 'gateway' : app;
    const port = Number(ports[`${svc.toUpperCase()}_PORT`]);
    let exited = false;
    void exit.then(() => (exited = true));
    await eventually(
      async () => {
        if (exited) throw new Error(`${app} exited during start:\n${output}`);
        return fetch(`http://127.0.0.1:${port}/livez`).then(
          (res) => (res.status === 200 ? true : undefined),
          () => undefined,
        );
      },
      90_000,
      `${app} /livez`,
    );
    return { r, port, env };
  }

  it.each(ALL_APPS)(
    '%s: starts in production, /livez 200, the HEALTHCHECK passes, SIGTERM exits 0',
    async (app) => {
      const { r, env } = await runApp(app);
      const [hcCmd, ...hcArgs] = healthcheckCommand();
      const health = spawn(hcCmd, hcArgs, { cwd: imageDir, env, stdio: 'ignore' });
      expect(await new Promise((res) => health.once('exit', res))).toBe(0);
      const t0 = Date.now();
      r.child.kill('SIGTERM');
      const exit = await withTimeout(r.exit, 8_000, `${app} exit after SIGTERM`);
      expect({ app, ...exit, output: exit.code === 0 ? '' : r.output() }).toEqual({ app, code: 0, signal: null, output: '' });
      expect(Date.now() - t0).toBeLessThan(8_000);
    },
    120_000,
  );

  it('refuses to start in production without DATABASE_URL, saying so', async () => {
    const [cmd, ...args] = execForm(stage('runtime'), 'ENTRYPOINT');
    const child = spawn(cmd, [...args, 'wallet'], {
      cwd: imageDir,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', TRANSPORT: 'nats', NATS_URL: natsUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await withTimeout(new Promise((res) => child.once('exit', res)), 30_000, 'wallet without DATABASE_URL');
    expect(code).toBe(1);
    expect(err).toMatch(/DATABASE_URL: required in production/);
    expect(err).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, 60_000);

  it('an unknown app name is refused with the list of apps', () => {
    const [cmd, ...args] = execForm(stage('runtime'), 'ENTRYPOINT');
    let status = 0;
    let stderr = '';
    try {
      execFileSync(cmd, [...args, 'billing'], { cwd: imageDir, stdio: 'pipe', env: { PATH: process.env.PATH ?? '' } });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/unknown app "billing".*gateway, payments, fx, wallet, risk, monolith/);
  });

  it('SIGTERM mid-request: no new connections, the request in flight completes, then exit 0', async () => {
    const { r, port, env } = await runApp('wallet');
    // Hold the wallet's tables so a balance read is stuck in the database (HTTP → RPC → SQL).
    const locker = new Client({ connectionString: env.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table wallet.accounts, wallet.balances in access exclusive mode');
      const started = Date.now();
      const inFlight = fetch(`http://127.0.0.1:${port}/balance/ACC_001`).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as unknown,
      }));
      await lockWaiterSeen(locker, 'the balance read waiting on the lock');
      r.child.kill('SIGTERM');
      // Stops accepting: a new connection is refused while the old request is still waiting.
      await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/livez`).then(
            () => undefined,
            () => true,
          ),
        5_000,
        'the port to stop accepting',
      );
      expect(r.child.exitCode).toBeNull(); // still draining
      await locker.query('commit');
      const res = await withTimeout(inFlight, 8_000, 'the in-flight request');
      // The domain's answer (no such account on a fresh database), not a dropped connection or a 503.
      expect(res).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'ACCOUNT_NOT_FOUND' }) } });
      const exit = await withTimeout(r.exit, 8_000, 'wallet exit after drain');
      expect({ ...exit, output: exit.code === 0 ? '' : r.output() }).toEqual({ code: 0, signal: null, output: '' });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await locker.end().catch(() => undefined);
    }
  }, 120_000);
  it('SIGTERM to a backend mid-RPC: it leaves the queue group at once, and the handler in flight still answers the gateway', async () => {
    const BALANCE_SUBJECT = 'wallet.balance.get';
    expect(Object.values(ROUTES).map((r) => r.pattern)).toContain(BALANCE_SUBJECT);
    const wallet = await runApp('wallet');
    // The gateway outside production, for its demo key (production refuses DEMO_API_KEY).
    const gateway = await runApp('gateway', { NODE_ENV: 'test' });
    const auth = { Authorization: `Bearer ${DEFAULT_DEMO_API_KEY}` };
    const balance = () =>
      fetch(`http://127.0.0.1:${gateway.port}/balance/ACC_001`, { headers: auth }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { error?: { code: string } },
      }));
    expect((await balance()).body.error?.code).toBe('ACCOUNT_NOT_FOUND'); // gateway → NATS → wallet works
    const locker = new Client({ connectionString: wallet.env.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table wallet.accounts, wallet.balances in access exclusive mode');
      const inFlight = balance();
      await lockWaiterSeen(locker, 'the wallet handler waiting on the lock');
      wallet.r.child.kill('SIGTERM');
      // It leaves the queue group: NATS itself soon has no responder for the subject (a probe that
      // would still reach the wallet fails its envelope check at once, so it never waits on the lock).
      const nc = await connectNats({ servers: natsUrl, user: NATS_USER, pass: NATS_PASS });
      try {
        await eventually(
          () =>
            nc.request(BALANCE_SUBJECT, '{}', { timeout: 2_000 }).then(
              () => undefined,
              (e: { code?: string }) => (e.code === '503' ? true : undefined),
            ),
          10_000,
          'no responders for wallet.balance.get',
        );
      } finally {
        await nc.close();
      }
      // So the next call through the gateway fails fast with a 503 instead of queueing behind the drain.
      const refused = await eventually(
        async () => {
          const res = await balance();
          return res.status === 503 ? res : undefined;
        },
        10_000,
        'a 503 for a call the draining wallet no longer takes',
      );
      expect(refused.body.error?.code).toEqual(expect.any(String));
      expect(wallet.r.child.exitCode).toBeNull(); // still finishing the handler in flight
      await locker.query('commit');
      expect(await withTimeout(inFlight, 8_000, 'the in-flight call')).toEqual({
        status: 404,
        body: { error: expect.objectContaining({ code: 'ACCOUNT_NOT_FOUND' }) },
      });
      const exit = await withTimeout(wallet.r.exit, 8_000, 'wallet exit after drain');
      expect({ ...exit, output: exit.code === 0 ? '' : wallet.r.output() }).toEqual({ code: 0, signal: null, output: '' });
    } finally {
      await locker.end().catch(() => undefined);
      gateway.r.child.kill('SIGTERM');
      expect((await withTimeout(gateway.r.exit, 8_000, 'gateway exit')).code).toBe(0);
    }
  }, 120_000);
});

/** Waits until some session of the test database is blocked on a lock (the request under test). */
async function lockWaiterSeen(locker: Client, what: string): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await locker.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      return rows[0].n > 0 ? true : undefined;
    },
    20_000,
    what,
  );
}
