import { DynamicModule, Module } from '@nestjs/common';
import { ALL_ROUTES, RATE_STREAM } from '@paygate/contracts';
import { createEventStreamController, createForwarder } from '@paygate/http';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthModule, AuthOptions } from './auth/auth.module';
import { DashboardModule } from './ui/dashboard.module';

/** Every public operation of the route table, behind the API-key guard. */
export const GatewayForwarder = createForwarder('GatewayForwarder', ALL_ROUTES, { guard: ApiKeyGuard, security: ['bearer', 'api-key'] });

/** `GET /rates/stream`: FX ticks from the bus as Server-Sent Events, behind the same key check. */
export const GatewayRatesStream = createEventStreamController({
  ...RATE_STREAM,
  name: 'GatewayRatesStreamController',
  guard: ApiKeyGuard,
  security: ['bearer', 'api-key'],
});

/** The gateway feature: the public door (API keys, forwarding). The monolith imports this module. */
@Module({})
export class GatewayModule {
  static register(options: AuthOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [DashboardModule, AuthModule.register(options)],
      controllers: [GatewayForwarder, GatewayRatesStream],
    };
  }
}
