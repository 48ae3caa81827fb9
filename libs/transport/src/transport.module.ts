import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, ClientProxy, MicroserviceOptions, Transport } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import { EventBus, InProcessEventBus, NatsEventBus } from './event-bus';
import { NATS_CONNECTION_OPTIONS } from './nats-options';
import { InProcessClient, InProcessServer } from './in-process';
import { RpcClient } from './rpc-client';

export type TransportMode = 'nats' | 'in-process';

export interface TransportSettings {
  mode: TransportMode;
  natsUrl: string;
  natsUser?: string;
  natsPass?: string;
  natsToken?: string;
  maxCallMs: number;
  defaultBudgetMs: number;
}

export const RPC_PROXY = Symbol('RPC_PROXY');

function natsAuth(s: TransportSettings): Record<string, string> {
  if (s.natsToken) return { token: s.natsToken };
  if (s.natsUser) return { user: s.natsUser, pass: s.natsPass ?? '' };
  return {};
}

/** The server side of the transport: NATS with a queue group per service, or the in-process bus. */
export function serverStrategy(service: string, s: TransportSettings): MicroserviceOptions {
  if (s.mode === 'in-process') return { strategy: new InProcessServer() };
  return {
    transport: Transport.NATS,
    options: { servers: [s.natsUrl], queue: service, name: `paygate-${service}`, ...NATS_CONNECTION_OPTIONS, ...natsAuth(s) },
  };
}

/** Readiness of the transport as this app sees it. */
@Injectable()
export class TransportHealth implements OnApplicationShutdown {
  constructor(
    @Inject(RPC_PROXY) private readonly proxy: ClientProxy,
    @Inject('TRANSPORT_SETTINGS') private readonly settings: TransportSettings,
  ) {}

  async isUp(): Promise<{ up: boolean; mode: TransportMode; detail?: string }> {
    if (this.settings.mode === 'in-process') return { up: true, mode: 'in-process' };
    try {
      await this.proxy.connect();
      const nc = this.proxy.unwrap<NatsConnection>();
      if (nc.isClosed()) return { up: false, mode: 'nats', detail: 'connection closed' };
      await nc.flush();
      return { up: true, mode: 'nats' };
    } catch (e) {
      return { up: false, mode: 'nats', detail: e instanceof Error ? e.message : String(e) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}

@Injectable()
class EventBusCloser implements OnApplicationShutdown {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Module({})
export class TransportModule {
  /** Global within one service's app (infrastructure): its RPC client and transport health. */
  static forRoot(service: string, settings: TransportSettings): DynamicModule {
    return {
      module: TransportModule,
      global: true,
      providers: [
        { provide: 'TRANSPORT_SETTINGS', useValue: settings },
        {
          provide: RPC_PROXY,
          useFactory: (): ClientProxy =>
            settings.mode === 'in-process'
              ? new InProcessClient()
              : (new ClientNats({
                  servers: [settings.natsUrl],
                  name: `paygate-${service}-client`,
                  // Fail fast instead of queueing requests while NATS is unreachable.
                  waitOnFirstConnect: false,
                  ...NATS_CONNECTION_OPTIONS,
                  ...natsAuth(settings),
                }) as unknown as ClientProxy),
        },
        {
          provide: RpcClient,
          inject: [RPC_PROXY],
          useFactory: (proxy: ClientProxy) =>
            new RpcClient(proxy, { maxCallMs: settings.maxCallMs, defaultBudgetMs: settings.defaultBudgetMs }),
        },
        {
          provide: EventBus,
          useFactory: (): EventBus =>
            settings.mode === 'in-process'
              ? new InProcessEventBus()
              : new NatsEventBus({
                  servers: settings.natsUrl,
                  name: `paygate-${service}-events`,
                  user: settings.natsUser,
                  pass: settings.natsPass,
                  token: settings.natsToken,
                }),
        },
        EventBusCloser,
        TransportHealth,
      ],
      exports: [RpcClient, TransportHealth, EventBus],
    };
  }
}
