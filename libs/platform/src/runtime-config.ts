import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { join } from 'node:path';
import type { DatabaseSettings } from '@paygate/database';
import type { TransportSettings } from '@paygate/transport';
import { HardeningSettings, parseByteSize, parseCorsOrigins } from '@paygate/http';
import { DEFAULT_PORTS, ServiceName } from '@paygate/contracts';

/** Demo key of the zero-setup monolith (never in production: see README "API keys"). */
export const DEFAULT_DEMO_API_KEY = 'pk_demokey1_paygate_local_demo_only_0123456789';

/** The environment, validated at boot: a bad value stops the process with a clear message. */
export class EnvSchema {
  @IsOptional() @IsIn(['development', 'test', 'production']) NODE_ENV?: string;
  /** Which app the image runs (docker/start.js; the first argument wins). */
  @IsOptional() @IsIn(['gateway', 'payments', 'fx', 'wallet', 'risk', 'monolith']) APP?: string;
  @IsOptional() @IsIn(['nats', 'in-process']) TRANSPORT?: 'nats' | 'in-process';
  @IsOptional() @Matches(/^(nats|tls|wss?):\/\/\S+$/) NATS_URL?: string;
  @IsOptional() @IsString() NATS_USER?: string;
  @IsOptional() @IsString() NATS_PASS?: string;
  @IsOptional() @IsString() NATS_TOKEN?: string;
  /** Graceful stop budget after SIGTERM: drain HTTP and RPC in flight, then close; past it the process exits 1. */
  @IsOptional() @IsInt() @Min(100) @Max(600_000) SHUTDOWN_TIMEOUT_MS?: number;
  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/) DATABASE_URL?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsInt() @Min(1) @Max(200) DB_POOL_SIZE?: number;
  @IsOptional() @IsString() SERVICE_HOST?: string;
  @IsOptional() @IsString() GATEWAY_HOST?: string;
  @IsOptional()
  @Matches(/^\s*\d+\s*(b|kb|kib|mb|mib)?\s*$/i, { message: 'BODY_LIMIT must be a size like 100kb or 1mb' })
  BODY_LIMIT?: string;
  @IsOptional() @IsString() CORS_ORIGINS?: string;
  @IsOptional() @IsIn(['true', 'false']) HSTS?: string;
  @IsOptional() @Matches(/^https?:\/\/\S+$/) GRAFANA_URL?: string;
  @IsOptional() @IsInt() @Min(0) @Max(65535) GATEWAY_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) PAYMENTS_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) FX_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) WALLET_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) RISK_PORT?: number;
  @IsOptional() @IsInt() @Min(50) @Max(120000) REQUEST_BUDGET_MS?: number;
  @IsOptional() @IsInt() @Min(50) @Max(120000) RPC_MAX_CALL_MS?: number;
  @IsOptional() @Matches(/^pk_[A-Za-z0-9_]{16,200}$/) DEMO_API_KEY?: string;
  @IsOptional() @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['json', 'pretty']) LOG_FORMAT?: 'json' | 'pretty';
  @IsOptional() @IsIn(['true', 'false']) DEMO_DATA?: string;
  @IsOptional()
  @Matches(/^(gateway|payments|fx|wallet|risk)=https?:\/\/[^\s,]+(,(gateway|payments|fx|wallet|risk)=https?:\/\/[^\s,]+)*$/, {
    message: 'DASHBOARD_SERVICE_URLS must list service=url pairs, e.g. payments=http://payments:8081,fx=http://fx:8082',
  })
  DASHBOARD_SERVICE_URLS?: string;
  /** Where the gateway checks Grafana's /api/health when the browser's GRAFANA_URL is not its own way in (compose: http://grafana:3000). */
  @IsOptional() @Matches(/^https?:\/\/\S+$/) GRAFANA_HEALTH_URL?: string;
  @IsOptional()
  @Matches(/^(live|http|ecb)(,(live|http|ecb))*$/, { message: 'FX_PROVIDERS must list live, http and/or ecb, e.g. live,ecb' })
  FX_PROVIDERS?: string;
  @IsOptional() @IsInt() @Min(10) @Max(3_600_000) FX_TICK_MS?: number;
  @IsOptional() @IsInt() @Min(0) @Max(500) FX_VOLATILITY_BPS?: number;
  @IsOptional() @IsString() FX_SEED?: string;
  @IsOptional() @IsInt() @Min(1) FX_LIVE_MAX_AGE_MS?: number;
  @IsOptional() @Matches(/^https?:\/\/\S+$/) FX_HTTP_URL?: string;
  @IsOptional() @IsInt() @Min(100) FX_HTTP_POLL_MS?: number;
  @IsOptional() @IsInt() @Min(1) FX_HTTP_MAX_AGE_MS?: number;
  @IsOptional() @IsInt() @Min(1) FX_ECB_MAX_AGE_MS?: number;
  @IsOptional() @IsInt() @Min(0) @Max(2000) FX_SPREAD_BPS?: number;
  @IsOptional() @IsString() FX_SPREADS?: string;
  @IsOptional() @IsInt() @Min(1000) @Max(3_600_000) FX_QUOTE_TTL_MS?: number;
  @IsOptional() @IsInt() @Min(1000) PAYMENTS_AUTHORIZATION_TTL_MS?: number;
  @IsOptional() @IsInt() @Min(1000) PAYMENTS_REVIEW_TIMEOUT_MS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(86_400_000) WEBHOOK_RETRY_BASE_MS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(86_400_000) WEBHOOK_RETRY_MAX_MS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1000) WEBHOOK_MAX_ATTEMPTS?: number;
  @IsOptional() @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS?: number;
  @IsOptional() @IsInt() @Min(10) @Max(60_000) WEBHOOK_POLL_MS?: number;
  @IsOptional() @IsIn(['true', 'false']) WEBHOOK_ALLOW_PRIVATE_URLS?: string;
  @IsOptional() @Matches(/^rediss?:\/\/\S+$/) REDIS_URL?: string;
  @IsOptional() @IsInt() @Min(0) @Max(60_000) API_KEY_CACHE_MS?: number;
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000) RATE_LIMIT_PER_SEC?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) RATE_LIMIT_BURST?: number;
  @IsOptional() @IsIn(['memory', 'redis']) RATE_LIMIT_STORE?: 'memory' | 'redis';
  @IsOptional() @Matches(/^[A-Za-z0-9:_.-]{1,64}$/) RATE_LIMIT_REDIS_PREFIX?: string;
  @IsOptional() @IsInt() @Min(0) @Max(600_000) PAYMENTS_LEASE_GRACE_MS?: number;
  @IsOptional() @IsInt() @Min(50) @Max(600_000) PAYMENTS_RECOVERY_INTERVAL_MS?: number;
  @IsOptional() @IsInt() @Min(100) @Max(3_600_000) PAYMENTS_RECOVERY_LEASE_MS?: number;
}

/**
 * Per-API-key rate limits (the gateway): a token bucket of `burst` requests refilled at `perSec`
 * (0: no limit). Counters in Redis when the gateway runs as a separate service (shared by its
 * replicas), in memory in the monolith. Keys may override both (see apps/gateway/src/auth).
 */
export interface RateLimitSettings {
  perSec: number;
  burst: number;
  /** Unset: Redis over the nats transport, memory in-process (the monolith). */
  store?: 'memory' | 'redis';
  redisUrl: string;
  redisPrefix: string;
}

/** Payments: how long an authorization and a risk review may stay open. */
export interface PaymentsSettings {
  authorizationTtlMs: number;
  reviewTimeoutMs: number;
  /** How long past the caller's deadline an unfinished attempt still owns its payment (then recovery may take over). */
  leaseGraceMs: number;
  /** How often the recovery sweep looks for PROCESSING payments whose lease ran out. */
  recoveryIntervalMs: number;
  /** How long a recovery attempt owns the payment it took over (another sweep retries after it, e.g. when the wallet was down). */
  recoveryLeaseMs: number;
}

/** Webhook delivery: retries with exponential backoff and jitter, per-attempt timeout, allowed URLs. */
export interface WebhookSettings {
  retryBaseMs: number;
  retryMaxMs: number;
  /** After this many failed automatic attempts the delivery is marked failed (a manual replay may still send it). */
  maxAttempts: number;
  timeoutMs: number;
  pollMs: number;
  /** Loopback, private and link-local hosts (default: allowed except in production). */
  allowPrivateUrls: boolean;
}

/** The FX service's providers, spreads and quotes. */
export interface FxSettings {
  /** Failover order. */
  providers: Array<'live' | 'http' | 'ecb'>;
  tickMs: number;
  volatilityBps: number;
  seed: string;
  liveMaxAgeMs: number;
  httpUrl?: string;
  httpPollMs: number;
  httpMaxAgeMs: number;
  /** Unset: the dated reference never goes stale. */
  ecbMaxAgeMs?: number;
  spreadBps: number;
  /** Per pair, e.g. `USD/IDR=80,EUR/USD=10`. */
  spreads?: string;
  quoteTtlMs: number;
}

export interface RuntimeConfig {
  env: 'development' | 'test' | 'production';
  transport: TransportSettings;
  database: Omit<DatabaseSettings, 'pgliteDir'> & { dataDir: string };
  ports: Record<ServiceName, number>;
  serviceHost: string;
  gatewayHost: string;
  requestBudgetMs: number;
  demoApiKey?: string;
  /** Create the demo merchant's wallets on first start (default: yes, except in production). */
  demoData: boolean;
  /** Where the gateway's page reads each service's /metrics and /healthz (default: http://<SERVICE_HOST>:<port>). */
  dashboardServiceUrls: Partial<Record<ServiceName, string>>;
  /** Where the gateway checks that Grafana answers (default: GRAFANA_URL, which is what the browser frames). */
  grafanaHealthUrl?: string;
  fx: FxSettings;
  webhooks: WebhookSettings;
  payments: PaymentsSettings;
  rateLimit: RateLimitSettings;
  /** How long the gateway trusts an API key it has checked (ms; 0: every request reads the database). */
  apiKeyCacheMs: number;
  /** Security headers, CORS and body limits of every HTTP port. */
  http: HardeningSettings;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** SIGTERM → drain in flight → close, within this budget (default 10 s; keep it under the orchestrator's kill timeout). */
  shutdownTimeoutMs?: number;
  /** JSON lines (default) or a human-readable line per entry for development. */
  logFormat?: 'json' | 'pretty';
}

function fxSettings(env: EnvSchema): FxSettings {
  const providers = (env.FX_PROVIDERS ?? (env.FX_HTTP_URL ? 'live,http,ecb' : 'live,ecb')).split(',') as FxSettings['providers'];
  if (providers.includes('http') && !env.FX_HTTP_URL)
    throw new Error('Invalid configuration:\n  FX_PROVIDERS: the http provider needs FX_HTTP_URL');
  const tickMs = env.FX_TICK_MS ?? 1000;
  return {
    providers,
    tickMs,
    volatilityBps: env.FX_VOLATILITY_BPS ?? 5,
    seed: env.FX_SEED ?? 'paygate',
    liveMaxAgeMs: env.FX_LIVE_MAX_AGE_MS ?? 5 * tickMs,
    httpUrl: env.FX_HTTP_URL,
    httpPollMs: env.FX_HTTP_POLL_MS ?? 60_000,
    httpMaxAgeMs: env.FX_HTTP_MAX_AGE_MS ?? 4 * 24 * 3_600_000,
    ecbMaxAgeMs: env.FX_ECB_MAX_AGE_MS,
    spreadBps: env.FX_SPREAD_BPS ?? 30,
    spreads: env.FX_SPREADS,
    quoteTtlMs: env.FX_QUOTE_TTL_MS ?? 60_000,
  };
}

/**
 * Production refuses to start on the development defaults: no embedded database, no NATS on
 * loopback by accident, no built-in demo key (DEMO_API_KEY only if set on purpose).
 */
function requireProductionSettings(env: EnvSchema): void {
  const missing: string[] = [];
  if (!env.DATABASE_URL)
    missing.push('  DATABASE_URL: required in production (postgres://user:pass@host:5432/db); the embedded PGlite is for development');
  if ((env.TRANSPORT ?? 'nats') === 'nats' && !env.NATS_URL)
    missing.push('  NATS_URL: required in production with TRANSPORT=nats (e.g. nats://nats:4222)');
  if (env.NATS_USER && !env.NATS_PASS) missing.push('  NATS_PASS: required with NATS_USER');
  if (missing.length > 0) throw new Error(`Invalid configuration (NODE_ENV=production):\n${missing.join('\n')}`);
}

function httpSettings(env: EnvSchema): HardeningSettings {
  const bodyLimitBytes = env.BODY_LIMIT === undefined ? 1024 * 1024 : parseByteSize(env.BODY_LIMIT);
  if (bodyLimitBytes === undefined) throw new Error('Invalid configuration:\n  BODY_LIMIT must be a size like 100kb or 1mb');
  let corsOrigins: string[];
  try {
    corsOrigins = parseCorsOrigins(env.CORS_ORIGINS);
  } catch (e) {
    throw new Error(`Invalid configuration:\n  ${(e as Error).message}`);
  }
  return { bodyLimitBytes, corsOrigins, hsts: env.HSTS === 'true', grafanaUrl: env.GRAFANA_URL };
}

export function loadRuntimeConfig(raw: NodeJS.ProcessEnv = process.env, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const env = plainToInstance(EnvSchema, { ...raw }, { enableImplicitConversion: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const nodeEnv = (env.NODE_ENV ?? 'development') as RuntimeConfig['env'];
  if (nodeEnv === 'production') requireProductionSettings(env);
  const config: RuntimeConfig = {
    env: nodeEnv,
    transport: {
      mode: env.TRANSPORT ?? 'nats',
      natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
      natsUser: env.NATS_USER,
      natsPass: env.NATS_PASS,
      natsToken: env.NATS_TOKEN,
      maxCallMs: env.RPC_MAX_CALL_MS ?? 10_000,
      defaultBudgetMs: env.REQUEST_BUDGET_MS ?? 10_000,
    },
    database: { url: env.DATABASE_URL, dataDir: env.DATA_DIR ?? join(process.cwd(), 'data'), poolSize: env.DB_POOL_SIZE ?? 10 },
    ports: {
      gateway: env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway,
      payments: env.PAYMENTS_PORT ?? DEFAULT_PORTS.payments,
      fx: env.FX_PORT ?? DEFAULT_PORTS.fx,
      wallet: env.WALLET_PORT ?? DEFAULT_PORTS.wallet,
      risk: env.RISK_PORT ?? DEFAULT_PORTS.risk,
    },
    serviceHost: env.SERVICE_HOST ?? '127.0.0.1',
    // Loopback unless configured: the container image and compose set 0.0.0.0 explicitly.
    gatewayHost: env.GATEWAY_HOST ?? '127.0.0.1',
    requestBudgetMs: env.REQUEST_BUDGET_MS ?? 10_000,
    demoApiKey: nodeEnv === 'production' ? env.DEMO_API_KEY : (env.DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY),
    demoData: env.DEMO_DATA === undefined ? nodeEnv !== 'production' : env.DEMO_DATA === 'true',
    dashboardServiceUrls: Object.fromEntries(
      (env.DASHBOARD_SERVICE_URLS ?? '')
        .split(',')
        .filter((pair) => pair !== '')
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1).replace(/\/+$/, '')]),
    ),
    grafanaHealthUrl: env.GRAFANA_HEALTH_URL,
    fx: fxSettings(env),
    payments: {
      authorizationTtlMs: env.PAYMENTS_AUTHORIZATION_TTL_MS ?? 7 * 24 * 3_600_000,
      reviewTimeoutMs: env.PAYMENTS_REVIEW_TIMEOUT_MS ?? 24 * 3_600_000,
      leaseGraceMs: env.PAYMENTS_LEASE_GRACE_MS ?? 5_000,
      recoveryIntervalMs: env.PAYMENTS_RECOVERY_INTERVAL_MS ?? 5_000,
      recoveryLeaseMs: env.PAYMENTS_RECOVERY_LEASE_MS ?? 30_000,
    },
    rateLimit: {
      perSec: env.RATE_LIMIT_PER_SEC ?? 1000,
      burst: env.RATE_LIMIT_BURST ?? 2 * (env.RATE_LIMIT_PER_SEC ?? 1000),
      store: env.RATE_LIMIT_STORE,
      redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      redisPrefix: env.RATE_LIMIT_REDIS_PREFIX ?? 'paygate:ratelimit',
    },
    apiKeyCacheMs: env.API_KEY_CACHE_MS ?? 1000,
    webhooks: {
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS ?? 1000,
      retryMaxMs: env.WEBHOOK_RETRY_MAX_MS ?? 3_600_000,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS ?? 16,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS ?? 5000,
      pollMs: env.WEBHOOK_POLL_MS ?? 250,
      allowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE_URLS === undefined ? nodeEnv !== 'production' : env.WEBHOOK_ALLOW_PRIVATE_URLS === 'true',
    },
    http: httpSettings(env),
    logLevel: (env.LOG_LEVEL ?? 'warn') as RuntimeConfig['logLevel'],
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    logFormat: env.LOG_FORMAT ?? 'json',
  };
  return { ...config, ...overrides };
}
