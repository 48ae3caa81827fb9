import { loadRuntimeConfig } from './runtime-config';

describe('runtime config: HTTP hardening', () => {
  it('defaults: 1 MiB bodies, no CORS, no HSTS, every port on loopback', () => {
    const rt = loadRuntimeConfig({});
    expect(rt.http).toEqual({ bodyLimitBytes: 1024 * 1024, corsOrigins: [], hsts: false, grafanaUrl: undefined });
    expect(rt.gatewayHost).toBe('127.0.0.1');
    expect(rt.serviceHost).toBe('127.0.0.1');
  });

  it('reads BODY_LIMIT, CORS_ORIGINS, HSTS and the hosts', () => {
    const rt = loadRuntimeConfig({
      BODY_LIMIT: '100kb',
      CORS_ORIGINS: 'https://app.example.com,http://localhost:3000',
      HSTS: 'true',
      GATEWAY_HOST: '0.0.0.0',
      SERVICE_HOST: '10.0.0.5',
    });
    expect(rt.http.bodyLimitBytes).toBe(102_400);
    expect(rt.http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(rt.http.hsts).toBe(true);
    expect(rt.gatewayHost).toBe('0.0.0.0');
    expect(rt.serviceHost).toBe('10.0.0.5');
  });

  it.each([
    [{ BODY_LIMIT: 'huge' }, /BODY_LIMIT/],
    [{ BODY_LIMIT: '0' }, /BODY_LIMIT/],
    [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS/],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, /CORS_ORIGINS/],
    [{ HSTS: 'yes' }, /HSTS/],
  ])('refuses %p at boot', (env, message) => {
    expect(() => loadRuntimeConfig(env)).toThrow(message);
  });
});
