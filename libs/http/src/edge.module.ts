import { DynamicModule, Module } from '@nestjs/common';
import { EDGE_SETTINGS, EdgeSettings } from './forwarder';

/** The HTTP edge settings of one service's app (global within that app: infrastructure). */
@Module({})
export class EdgeModule {
  static forRoot(settings: EdgeSettings): DynamicModule {
    return { module: EdgeModule, global: true, providers: [{ provide: EDGE_SETTINGS, useValue: settings }], exports: [EDGE_SETTINGS] };
  }
}
