import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { join } from 'node:path';
import type { DatabaseSettings } from '@paygate/database';
import type { TransportSettings } from '@paygate/transport';
import { DEFAULT_PORTS, ServiceName } from '@paygate/contracts';

/** Demo key of the zero-setup monolith (never in production: see README "API keys"). */
export const DEFAULT_DEMO_API_KEY = 'pk_demokey1_paygate_local_demo_only_0123456789';

/** The environment, validated at boot: a bad value stops the process with a clear message. */
export class EnvSchema {
  @IsOptional() @IsIn(['development', 'test', 'production']) NODE_ENV?: string;
  @IsOptional() @IsIn(['nats', 'in-process']) TRANSPORT?: 'nats' | 'in-process';
  @IsOptional() @Matches(/^(nats|tls|wss?):\/\/\S+$/) NATS_URL?: string;
  @IsOptional() @IsString() NATS_USER?: string;
  @IsOptional() @IsString() NATS_PASS?: string;
  @IsOptional() @IsString() NATS_TOKEN?: string;
  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/) DATABASE_URL?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsInt() @Min(1) @Max(200) DB_POOL_SIZE?: number;
  @IsOptional() @IsString() SERVICE_HOST?: string;
  @IsOptional() @IsString() GATEWAY_HOST?: string;
  @IsOptional() @IsInt() @Min(0) @Max(65535) GATEWAY_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) PAYMENTS_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) FX_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) WALLET_PORT?: number;
  @IsOptional() @IsInt() @Min(0) @Max(65535) RISK_PORT?: number;
  @IsOptional() @IsInt() @Min(50) @Max(120000) REQUEST_BUDGET_MS?: number;
  @IsOptional() @IsInt() @Min(50) @Max(120000) RPC_MAX_CALL_MS?: number;
  @IsOptional() @Matches(/^pk_[A-Za-z0-9_]{16,200}$/) DEMO_API_KEY?: string;
  @IsOptional() @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['true', 'false']) DEMO_DATA?: string;
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
}

/** Payments: how long an authorization and a risk review may stay open. */
export interface PaymentsSettings {
  authorizationTtlMs: number;
  reviewTimeoutMs: number;
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
  fx: FxSettings;
  payments: PaymentsSettings;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
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

export function loadRuntimeConfig(raw: NodeJS.ProcessEnv = process.env, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const env = plainToInstance(EnvSchema, { ...raw }, { enableImplicitConversion: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const nodeEnv = (env.NODE_ENV ?? 'development') as RuntimeConfig['env'];
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
    gatewayHost: env.GATEWAY_HOST ?? '0.0.0.0',
    requestBudgetMs: env.REQUEST_BUDGET_MS ?? 10_000,
    demoApiKey: nodeEnv === 'production' ? env.DEMO_API_KEY : (env.DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY),
    demoData: env.DEMO_DATA === undefined ? nodeEnv !== 'production' : env.DEMO_DATA === 'true',
    fx: fxSettings(env),
    payments: {
      authorizationTtlMs: env.PAYMENTS_AUTHORIZATION_TTL_MS ?? 7 * 24 * 3_600_000,
      reviewTimeoutMs: env.PAYMENTS_REVIEW_TIMEOUT_MS ?? 24 * 3_600_000,
    },
    logLevel: (env.LOG_LEVEL ?? 'warn') as RuntimeConfig['logLevel'],
  };
  return { ...config, ...overrides };
}
