import { DynamicModule, Inject, Module } from '@nestjs/common';
import type { RuntimeConfig } from './runtime-config';

export const RUNTIME_CONFIG = Symbol('RUNTIME_CONFIG');

/** Injects the validated runtime configuration of this app. */
export const InjectRuntimeConfig = (): ParameterDecorator => Inject(RUNTIME_CONFIG);

/** The app's validated configuration, available to every module of one service's app. */
@Module({})
export class RuntimeConfigModule {
  static forRoot(rt: RuntimeConfig): DynamicModule {
    return { module: RuntimeConfigModule, global: true, providers: [{ provide: RUNTIME_CONFIG, useValue: rt }], exports: [RUNTIME_CONFIG] };
  }
}
