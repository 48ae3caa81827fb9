import { INestApplication, PipeTransform, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { DirectHandler } from '@paygate/transport';

/**
 * The app's `@MessagePattern` handlers as direct calls, by pattern: the payload validated by
 * `pipe` against the handler's parameter type (as Nest's pipeline does for `@Payload()`), then
 * the controller method. Every handler here takes exactly one `@Payload()` parameter.
 */
export function directHandlers(app: INestApplication, pipe: PipeTransform): Map<string, DirectHandler> {
  const handlers = new Map<string, DirectHandler>();
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance) continue;
      const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const method = proto[key];
        if (key === 'constructor' || typeof method !== 'function') continue;
        const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as unknown[] | undefined;
        if (!patterns || Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) !== PatternHandler.MESSAGE) continue;
        const [metatype] = (Reflect.getMetadata('design:paramtypes', proto, key) ?? []) as Array<Type | undefined>;
        // The argument metadata Nest gives the pipe for a `@Payload()` parameter.
        const meta = { type: RpcParamtype.PAYLOAD as unknown as 'body', metatype, data: undefined };
        const handle: DirectHandler = async (payload) =>
          (method as (p: unknown) => unknown).call(instance, await pipe.transform(payload, meta));
        for (const p of patterns) if (typeof p === 'string') handlers.set(p, handle);
      }
    }
  }
  return handlers;
}
