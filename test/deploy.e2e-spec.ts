/**
 * Deployment, checked without a Docker engine:
 *  1. docker-compose.yml is valid by the Compose Specification's JSON schema (vendored in docker/);
 *  2. it agrees with the code: every variable it sets is one the config schema knows and each
 *     service's environment passes production validation; Prometheus scrapes the compose names and
 *     ports; Grafana's mounts are folder-to-folder with the provisioned dashboards inside; every
 *     dependency is health-checked; images are pinned; no secret is written in the file;
 *  3. the Dockerfile's shape (stages, production dependencies, non-root, HEALTHCHECK on /livez).
 * The image's start path (its runtime stage replayed, every app started and stopped) is
 * test/deploy-image.e2e-spec.ts.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { getMetadataStorage } from 'class-validator';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { DEFAULT_PORTS } from '@paygate/contracts';
import { EnvSchema, loadRuntimeConfig } from '@paygate/platform';
import { dockerfileStages, execForm, healthcheckCommand, stage } from './support/dockerfile';

const ROOT = resolve(__dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

const APP_SERVICES = ['gateway', 'payments', 'fx', 'wallet', 'risk'] as const;

type Env = Record<string, string | number | boolean | null>;
interface HealthCheck {
  test: string | string[];
}
interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Env | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: HealthCheck;
  volumes?: Array<string | { type: string; source?: string; target: string }>;
  ports?: Array<string | number>;
  command?: string | string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** The file as Compose reads it: YAML with anchors and `<<` merge keys resolved. */
const composeRaw = (): Compose => YAML.parse(read('docker-compose.yml'), { merge: true }) as Compose;

/** `.env.example` as KEY=VALUE pairs (what a deployer starts from). */
function envExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read('.env.example').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Compose's variable interpolation: `${V}`, `${V:-default}`, `${V-default}`, `${V:?error}`, `${V?error}`, `$$`. */
function interpolate<T>(value: T, vars: Record<string, string | undefined>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (m, name: string, op?: string, arg?: string) => {
      if (m === '$$') return '$';
      const v = vars[name];
      const unset = op?.startsWith(':') ? !v : v === undefined;
      if (op?.endsWith('-')) return unset ? (arg ?? '') : v!;
      if (op?.endsWith('?')) {
        if (unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v!;
      }
      return v ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)])) as T;
  }
  return value;
}

function envOf(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  const pairs = Array.isArray(env) ? env.map((kv) => kv.split(/=(.*)/s).slice(0, 2)) : Object.entries(env);
  return Object.fromEntries(pairs.map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

const envSchemaNames = (): Set<string> =>
  new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvSchema, '', true, false)
      .map((m) => m.propertyName),
  );

/** Published or exposed container port of a compose `ports` entry (`[ip:]host:container[/proto]`). */
const containerPort = (p: string | number): number => Number(String(p).split('/')[0].split(':').pop());

describe('docker-compose.yml', () => {
  const compose = composeRaw();
  const stack = interpolate(compose, envExample());

  it('is valid by the Compose Specification JSON schema (docker/compose-spec.schema.json)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(read('docker/compose-spec.schema.json')) as object);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    expect(validate(stack) ? [] : validate.errors).toEqual([]);
    // The schema has teeth: a made-up condition and an unknown service key are both refused.
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.gateway.depends_on = { postgres: { condition: 'when_ready' } };
    broken.services.fx.healthcheck_typo = { test: ['CMD', 'true'] };
    expect(validate(broken)).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/enum|additionalProperties/);
  });

  it('runs postgres, nats, redis, the five services, prometheus and grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'fx',
      'gateway',
      'grafana',
      'nats',
      'payments',
      'postgres',
      'prometheus',
      'redis',
      'risk',
      'wallet',
    ]);
    for (const name of APP_SERVICES) {
      const svc = compose.services[name];
      expect(envOf(svc).APP).toBe(name);
      expect(svc.build).toMatchObject({ dockerfile: 'docker/Dockerfile' });
    }
    // JetStream on, and clients must authenticate with the credentials the services are given.
    const natsArgs = stack.services.nats.command as string[];
    expect(natsArgs).toContain('-js');
    expect(natsArgs[natsArgs.indexOf('--user') + 1]).toBe(envOf(stack.services.payments).NATS_USER);
    expect(natsArgs[natsArgs.indexOf('--pass') + 1]).toBe(envOf(stack.services.payments).NATS_PASS);
  });

  it('sets only variables the config schema knows, and each service passes production validation', () => {
    const known = envSchemaNames();
    expect(known.has('DATABASE_URL')).toBe(true); // the metadata read works
    for (const name of APP_SERVICES) {
      const env = envOf(stack.services[name]);
      expect({ service: name, unknown: Object.keys(env).filter((k) => !known.has(k)) }).toEqual({ service: name, unknown: [] });
      expect(env.NODE_ENV).toBe('production');
      const rt = loadRuntimeConfig(env);
      expect(rt).toMatchObject({ env: 'production', demoApiKey: undefined, transport: { mode: 'nats', natsUrl: 'nats://nats:4222' } });
      expect(rt.database.url).toMatch(/@postgres:5432\//);
      // …and the required ones are really required: without each, the start is refused by name.
      for (const required of ['DATABASE_URL', 'NATS_URL']) {
        const without = { ...env };
        delete without[required];
        expect(() => loadRuntimeConfig(without)).toThrow(new RegExp(`${required}: required in production`));
      }
    }
  });

  it('writes no secret: passwords come from the environment (.env, see .env.example) and are required', () => {
    const secretKeys = /PASS|PASSWORD|TOKEN|SECRET/;
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [k, v] of Object.entries(envOf(svc))) {
        if (secretKeys.test(k))
          expect({ service: name, k, v }).toEqual({ service: name, k, v: expect.stringMatching(/^\$\{[A-Z_]+:\?[^}]+\}$/) });
      }
      const url = envOf(svc).DATABASE_URL;
      if (url) expect(url).toMatch(/^postgres:\/\/\$\{[A-Z_:-]+[^}]*\}:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
    }
    // Without the .env values the file does not even resolve: nothing falls back to a default password.
    expect(() => interpolate(compose, {})).toThrow(/POSTGRES_PASSWORD|NATS_PASSWORD|GRAFANA_ADMIN_PASSWORD/);
    const required = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const v of new Set(required)) expect({ v, inExample: v in envExample() }).toEqual({ v, inExample: true });
    expect(read('.dockerignore')).toMatch(/^\.env$/m);
  });

  it('Prometheus scrapes every service by its compose name and the port it listens on', () => {
    const prom = YAML.parse(read('prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const expected = APP_SERVICES.map((name) => {
      const port = loadRuntimeConfig(envOf(stack.services[name])).ports[name];
      expect(port).toBe(DEFAULT_PORTS[name]);
      expect((stack.services[name].ports ?? []).map(containerPort)).toContain(port);
      return `${name}:${port}`;
    });
    expect(targets.filter((t) => APP_SERVICES.some((s) => t.startsWith(`${s}:`))).sort()).toEqual(expected.sort());
    for (const t of targets) expect(Object.keys(compose.services)).toContain(t.split(':')[0]);
    // Mounted as a folder where the image looks for its config, and the rule files with it.
    const mount = (stack.services.prometheus.volumes ?? []).find((v) => typeof v === 'string' && v.startsWith('./prometheus:')) as string;
    expect(mount.split(':')[1]).toBe('/etc/prometheus');
    expect(statSync(join(ROOT, 'prometheus')).isDirectory()).toBe(true);
  });

  it('Grafana: folder-to-folder mounts, and the provisioned dashboard path is a mounted folder with dashboards', () => {
    const binds = (stack.services.grafana.volumes ?? [])
      .filter((v): v is string => typeof v === 'string' && v.startsWith('./'))
      .map((v) => ({ source: join(ROOT, v.split(':')[0]), target: v.split(':')[1] }));
    expect(binds.length).toBeGreaterThanOrEqual(2);
    for (const b of binds) {
      expect({ source: b.source, dir: statSync(b.source).isDirectory() }).toEqual({ source: b.source, dir: true });
      expect(b.target).not.toMatch(/\.(json|ya?ml)$/);
    }
    const provisioning = binds.find((b) => b.target === '/etc/grafana/provisioning');
    expect(provisioning).toBeDefined();
    const providerDir = join(provisioning!.source, 'dashboards');
    const providers = readdirSync(providerDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap(
        (f) => (YAML.parse(readFileSync(join(providerDir, f), 'utf8')) as { providers: Array<{ options: { path: string } }> }).providers,
      );
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) {
      const mount = binds.find((b) => p.options.path === b.target || p.options.path.startsWith(`${b.target}/`));
      expect({ path: p.options.path, mounted: !!mount }).toEqual({ path: p.options.path, mounted: true });
      const hostDir = join(mount!.source, p.options.path.slice(mount!.target.length));
      expect(readdirSync(hostDir).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
    }
    const datasources = readdirSync(join(provisioning!.source, 'datasources')).map((f) =>
      read(join('grafana/provisioning/datasources', f)),
    );
    expect(datasources.join('\n')).toMatch(/http:\/\/prometheus:9090/);
  });

  it('health-checked dependencies, named volumes and pinned images', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect({ name, healthcheck: !!svc.healthcheck?.test }).toEqual({ name, healthcheck: true });
      const deps = svc.depends_on ?? {};
      expect({ name, dependsOnAsList: Array.isArray(deps) }).toEqual({ name, dependsOnAsList: false });
      for (const [dep, cond] of Object.entries(deps as Record<string, { condition: string }>)) {
        expect({ name, dep, condition: cond.condition }).toEqual({ name, dep, condition: 'service_healthy' });
        expect(compose.services[dep].healthcheck).toBeDefined();
      }
      // Pinned: an explicit version tag (major.minor at least), never latest.
      expect({ name, image: svc.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./_-]+:v?\d+\.\d+[\w.-]*$/) });
      for (const v of svc.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0] : (v.source ?? '');
        if (!source.startsWith('.') && !source.startsWith('/')) expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
    for (const name of APP_SERVICES) {
      expect(Object.keys(compose.services[name].depends_on ?? {})).toEqual(expect.arrayContaining(['postgres', 'nats', 'redis']));
    }
    expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(['pgdata', 'natsdata']));
  });
});

describe('docker/Dockerfile', () => {
  it('multi-stage, pinned base, production dependencies only, non-root, HEALTHCHECK on /livez', () => {
    const stages = dockerfileStages();
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of stages) expect(s.from).toMatch(/^node:\d+\.\d+\.\d+-/);
    expect(stage('deps').steps.find((i) => i.op === 'RUN')?.args).toMatch(/npm ci --omit=dev/);
    const runtime = stage('runtime');
    expect(runtime.steps.some((i) => i.op === 'RUN')).toBe(false); // nothing built or installed here
    expect(runtime.steps.find((i) => i.op === 'USER')?.args).toBe('node');
    expect(runtime.steps.find((i) => i.op === 'COPY' && i.args.includes('node_modules'))?.args).toMatch(/--from=deps/);
    expect(healthcheckCommand()).toEqual(['node', 'docker/healthcheck.js']);
    expect(read('docker/healthcheck.js')).toMatch(/\/livez/);
    expect(execForm(runtime, 'ENTRYPOINT')).toEqual(['node', 'docker/start.js']);
    // The compose services run this image's own healthcheck.
    for (const name of APP_SERVICES)
      expect(composeRaw().services[name].healthcheck?.test).toEqual(['CMD', 'node', 'docker/healthcheck.js']);
  });
});
