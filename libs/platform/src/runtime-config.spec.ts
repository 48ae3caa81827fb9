import { DEFAULT_DEMO_API_KEY, loadRuntimeConfig } from './runtime-config';

describe('loadRuntimeConfig', () => {
  it('defaults: the seed ports, NATS on loopback, a demo key and demo data outside production', () => {
    const rt = loadRuntimeConfig({});
    expect(rt.ports).toEqual({ gateway: 8080, payments: 8081, fx: 8082, wallet: 8083, risk: 8084 });
    expect(rt.transport).toMatchObject({ mode: 'nats', natsUrl: 'nats://127.0.0.1:4222' });
    expect(rt.demoApiKey).toBe(DEFAULT_DEMO_API_KEY);
    expect(rt.demoData).toBe(true);
  });

  const PROD = { NODE_ENV: 'production', DATABASE_URL: 'postgres://paygate:secret@db:5432/paygate', NATS_URL: 'nats://nats:4222' };

  it('production has no demo key and no demo data unless asked for', () => {
    expect(loadRuntimeConfig(PROD)).toMatchObject({ demoApiKey: undefined, demoData: false });
    expect(loadRuntimeConfig({ ...PROD, DEMO_DATA: 'true' }).demoData).toBe(true);
    expect(loadRuntimeConfig({ DEMO_DATA: 'false' }).demoData).toBe(false);
  });

  it('production refuses to start on development defaults, naming what is missing', () => {
    expect(() => loadRuntimeConfig({ NODE_ENV: 'production' })).toThrow(/NODE_ENV=production[\s\S]*DATABASE_URL: required in production/);
    expect(() => loadRuntimeConfig({ ...PROD, NATS_URL: undefined })).toThrow(/NATS_URL: required in production/);
    expect(() => loadRuntimeConfig({ ...PROD, NATS_USER: 'paygate' })).toThrow(/NATS_PASS: required with NATS_USER/);
    // The monolith's in-process transport needs no NATS; the database is still required.
    expect(loadRuntimeConfig({ NODE_ENV: 'production', TRANSPORT: 'in-process', DATABASE_URL: PROD.DATABASE_URL }).env).toBe('production');
    expect(loadRuntimeConfig({ ...PROD, SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
    expect(() => loadRuntimeConfig({ SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });

  it('a bad value stops the start with a message naming the variable', () => {
    expect(() => loadRuntimeConfig({ DEMO_DATA: 'yes' })).toThrow(/DEMO_DATA/);
    expect(() => loadRuntimeConfig({ WALLET_PORT: '70000' })).toThrow(/WALLET_PORT/);
    expect(() => loadRuntimeConfig({ TRANSPORT: 'kafka' })).toThrow(/TRANSPORT/);
  });
});
