import { CanActivate, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res, SetMetadata, Type, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBody,
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  OmitType,
  DECORATORS,
  getSchemaPath,
} from '@nestjs/swagger';

import {
  DEMO_MERCHANT_ID,
  DomainError,
  ERROR_HTTP_STATUS,
  Envelope,
  ErrorEnvelopeDto,
  HttpOutcome,
  RouteDef,
  Scope,
  pathParams,
} from '@paygate/contracts';
import { RequestContext, RpcClient } from '@paygate/transport';
import { EdgeRequest, headerOf } from './http-context';

export const ROUTE_SCOPE = 'paygate:route-scope';
export const EDGE_SETTINGS = Symbol('EDGE_SETTINGS');

export interface EdgeSettings {
  /** Time budget of one request from the edge, carried downstream as an absolute deadline (ms). */
  requestBudgetMs: number;
}

export interface ForwarderOptions {
  /** A guard that authenticates the request and sets `merchantId` (the gateway's API keys). */
  guard?: Type<CanActivate>;
  /** OpenAPI security requirement names applied to every route. */
  security?: string[];
}

const METHOD_DECORATORS = { GET: Get, POST: Post, DELETE: Delete } as const;

/** The swagger model properties of a contract class: `[name, options]`. */
function modelProperties(cls: Type<unknown>): Array<[string, Record<string, unknown>]> {
  const names = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, cls.prototype) as string[] | undefined) ?? [];
  return names.map((n) => {
    const name = n.replace(/^:/, '');
    const opts = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, cls.prototype, name) as Record<string, unknown>) ?? {};
    return [name, opts];
  });
}

function errorStatuses(route: RouteDef, authenticated: boolean): number[] {
  const codes = ['VALIDATION_ERROR', 'SERVICE_UNAVAILABLE', ...(route.errors ?? [])];
  if (authenticated) codes.push('UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED');
  const taken = new Set((route.outcome ?? []).map((o) => o.status));
  const statuses = codes.map((c) => ERROR_HTTP_STATUS[c as keyof typeof ERROR_HTTP_STATUS]).filter((s) => s && !taken.has(s));
  return [...new Set(statuses)].sort();
}

/** A status an outcome route answers with its response body, and possibly also with the error envelope. */
function outcomeResponse(route: RouteDef, o: { status: number; description: string }, authenticated: boolean): MethodDecorator {
  const sharedWithErrors = errorStatuses({ ...route, outcome: undefined }, authenticated).includes(o.status);
  if (!sharedWithErrors) return ApiResponse({ status: o.status, type: route.response, description: o.description });
  return ApiResponse({
    status: o.status,
    description: `${o.description}; or the error envelope (e.g. VALIDATION_ERROR)`,
    schema: { oneOf: [{ $ref: getSchemaPath(route.response) }, { $ref: getSchemaPath(ErrorEnvelopeDto) }] },
  });
}

function payloadOf(route: RouteDef, req: EdgeRequest): Record<string, unknown> {
  const source: unknown = route.method === 'GET' || route.method === 'DELETE' ? req.query : (req.body ?? {});
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new DomainError('VALIDATION_ERROR', 'The request body must be a JSON object');
  }
  const payload: Record<string, unknown> = { ...(source as Record<string, unknown>) };
  const params = req.params as Record<string, string>;
  for (const p of pathParams(route.path)) payload[p] = params[p];
  return payload;
}

/**
 * The generic HTTP→RPC forwarder: one controller method per route of the table, mounted on the
 * gateway (behind its API-key guard) and on each service's own port (without). It builds the
 * payload from path, query and body, sets the envelope once, and calls the service's handler
 * over the configured transport; validation and errors happen in the handler, identically in
 * both modes. Swagger is generated from the same contract classes.
 */
export function createForwarder(name: string, routes: readonly RouteDef[], options: ForwarderOptions = {}): Type<unknown> {
  @Controller()
  class Forwarder {
    constructor(
      @Inject(RpcClient) readonly rpc: RpcClient,
      @Inject(EDGE_SETTINGS) readonly settings: EdgeSettings,
    ) {}
  }
  Object.defineProperty(Forwarder, 'name', { value: name });
  const proto = Forwarder.prototype as unknown as Record<string, unknown>;

  for (const route of routes) {
    const key = route.operationId;
    proto[key] = async function forward(this: Forwarder, req: EdgeRequest, res: FastifyReply): Promise<unknown> {
      const edge = req.raw;
      const envelope: Envelope = {
        requestId: edge.requestId ?? 'unknown',
        merchantId: edge.merchantId ?? DEMO_MERCHANT_ID,
        deadline: Date.now() + this.settings.requestBudgetMs,
        traceparent: headerOf(edge, 'traceparent') || undefined,
        idempotencyKey: headerOf(edge, 'idempotency-key') || undefined,
      };
      const reply = await RequestContext.run(envelope, () => this.rpc.call(route, payloadOf(route, req) as never));
      if (!route.outcome) return reply;
      const outcome = reply as HttpOutcome<unknown>;
      res.code(outcome.status);
      if (outcome.replayed) res.header('Idempotent-Replayed', 'true');
      return outcome.body;
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    Reflect.defineMetadata('design:paramtypes', [Object, Object], proto, key);
    Reflect.defineMetadata('design:returntype', Promise, proto, key);
    Req()(proto, key, 0);
    Res({ passthrough: true })(proto, key, 1);

    const params = pathParams(route.path);
    const props = modelProperties(route.request);
    const decorators: MethodDecorator[] = [
      METHOD_DECORATORS[route.method](route.path),
      HttpCode(route.successStatus),
      SetMetadata(ROUTE_SCOPE, route.scope satisfies Scope),
      ApiTags(route.service),
      ApiOperation({ operationId: route.operationId, summary: route.summary, description: route.description }),
      ApiResponse({ status: route.successStatus, type: route.response, description: 'Success' }),
      ...(route.outcome ?? []).map((o) => outcomeResponse(route, o, Boolean(options.guard))),
      ...errorStatuses(route, Boolean(options.guard)).map((status) =>
        ApiResponse({ status, type: ErrorEnvelopeDto, description: 'Error envelope' }),
      ),
      ...params.map((p) => ApiParam({ name: p, type: String, ...(props.find(([n]) => n === p)?.[1] ?? {}) })),
    ];
    if (route.method === 'GET' || route.method === 'DELETE') {
      // Applied in reverse below: listed here back to front so the document keeps the class's order.
      for (const [prop, opts] of [...props].reverse()) {
        if (params.includes(prop)) continue;
        decorators.push(ApiQuery({ ...opts, name: prop, required: opts.required !== false } as never));
      }
    } else {
      const bodyType = params.length > 0 ? OmitType(route.request as Type<object>, params as never[]) : route.request;
      decorators.push(ApiBody({ type: bodyType }));
    }
    if (options.guard) decorators.push(UseGuards(options.guard));
    for (const s of options.security ?? []) decorators.push(ApiSecurity(s));
    for (const d of [...decorators].reverse()) d(proto, key, descriptor);
    Object.defineProperty(proto, key, descriptor);
  }
  ApiExtraModels(ErrorEnvelopeDto, ...routes.filter((r) => r.outcome).map((r) => r.response))(Forwarder);
  return Forwarder;
}
