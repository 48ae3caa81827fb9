import type { RuntimeConfig, ServiceDefinition, StartOptions } from '@paygate/platform';
import { GatewayModule } from './gateway.module';

export function gatewayService(rt: RuntimeConfig): ServiceDefinition {
  return {
    service: 'gateway',
    feature: GatewayModule.register({
      demoApiKey: rt.demoApiKey,
      env: rt.env,
      rateLimit: rt.rateLimit,
      keyCacheMs: rt.apiKeyCacheMs,
      transportMode: rt.transport.mode,
    }),
    schema: 'auth',
    forwardOwnRoutes: false,
  };
}

export const gatewayStartOptions: StartOptions = {
  rpcServer: false,
  docs: {
    title: 'Paygate API',
    description:
      'Real-time multi-currency payment gateway. Every route needs an API key (`Authorization: Bearer <key>` or `X-API-Key`) ' +
      'except /healthz, /livez, /metrics and /docs. Errors use one envelope: `{"error":{"code","message","details","request_id"}}`.',
    withApiKeys: true,
  },
};
