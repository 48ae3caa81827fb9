import { DEFAULT_DEMO_API_KEY, loadRuntimeConfig } from './runtime-config';

describe('loadRuntimeConfig', () => {
  it('defaults: the seed ports, NATS on loopback, a demo key and demo data outside production', () => {
    const rt = loadRuntimeConfig({});
    expect(rt.ports).toEqual({ gateway: 8080, payments: 8081, fx: 8082, wallet: 8083, risk: 8084 });
    expect(rt.transport).toMatchObject({ mode: 'nats', natsUrl: 'nats://127.0.0.1:4222' });
    expect(rt.demoApiKey).toBe(DEFAULT_DEMO_API_KEY);
    expect(rt.demoData).toBe(true);
  });

  it('production has no demo key and no demo data unless asked for', () => {
    expect(loadRuntimeConfig({ NODE_ENV: 'production' })).toMatchObject({ demoApiKey: undefined, demoData: false });
    expect(loadRuntimeConfig({ NODE_ENV: 'production', DEMO_DATA: 'true' }).demoData).toBe(true);
    expect(loadRuntimeConfig({ DEMO_DATA: 'false' }).demoData).toBe(false);
  });

  it('a bad value stops the start with a message naming the variable', () => {
    expect(() => loadRuntimeConfig({ DEMO_DATA: 'yes' })).toThrow(/DEMO_DATA/);
    expect(() => loadRuntimeConfig({ WALLET_PORT: '70000' })).toThrow(/WALLET_PORT/);
    expect(() => loadRuntimeConfig({ TRANSPORT: 'kafka' })).toThrow(/TRANSPORT/);
  });
});
