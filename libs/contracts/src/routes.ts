import type { Type } from '@nestjs/common';
import type { BackendService } from './services';
import { ConvertRequest, ConvertResponse, GetRateRequest, RateResponse } from './fx';
import { BalanceResponse, GetBalanceRequest } from './wallet';

export type Scope = 'read' | 'write' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * One operation, described once: it drives the service's `@MessagePattern`, the HTTP→RPC
 * forwarder on the gateway (with auth) and on the service's own port (without), the typed
 * client, and the OpenAPI document.
 */
export interface RouteDef<Req extends object = object, Res = unknown> {
  operationId: string;
  service: BackendService;
  method: HttpMethod;
  /** Express-style template: `/balance/:account_id`. Path params are fields of `request`. */
  path: string;
  /** NATS subject / in-process pattern: `<service>.<aggregate>.<verb>`. */
  pattern: string;
  request: Type<Req>;
  response: Type<Res>;
  scope: Scope;
  successStatus: number;
  summary: string;
  description?: string;
  /** Error codes this operation documents beyond the common ones. */
  errors?: string[];
}

function route<Req extends object, Res>(def: RouteDef<Req, Res>): RouteDef<Req, Res> {
  return def;
}

export const ROUTES = {
  fxRate: route({
    operationId: 'getRate',
    service: 'fx',
    method: 'GET',
    path: '/rate',
    pattern: 'fx.rate.get',
    request: GetRateRequest,
    response: RateResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Current rate for a currency pair',
    description: 'Cross rates are computed through EUR in exact decimals and rounded once (12 significant digits).',
    errors: ['RATE_UNAVAILABLE', 'RATE_STALE'],
  }),
  fxConvert: route({
    operationId: 'convert',
    service: 'fx',
    method: 'GET',
    path: '/convert',
    pattern: 'fx.convert',
    request: ConvertRequest,
    response: ConvertResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Convert an amount at the current rate',
    description: "converted = amount × rate, rounded half-even once to the target currency's minor unit.",
    errors: ['RATE_UNAVAILABLE', 'RATE_STALE'],
  }),
  walletBalance: route({
    operationId: 'getBalance',
    service: 'wallet',
    method: 'GET',
    path: '/balance/:account_id',
    pattern: 'wallet.balance.get',
    request: GetBalanceRequest,
    response: BalanceResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Balances of a wallet, per currency',
    errors: ['ACCOUNT_NOT_FOUND'],
  }),
} as const;

export type RouteName = keyof typeof ROUTES;
export const ALL_ROUTES: readonly RouteDef[] = Object.values(ROUTES) as RouteDef[];

export function routesOf(service: BackendService): RouteDef[] {
  return ALL_ROUTES.filter((r) => r.service === service);
}

/** `/balance/:account_id` → `['account_id']`. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

/** `/balance/:account_id` → `/balance/{account_id}` (OpenAPI form). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export type RequestOf<R> = R extends RouteDef<infer Req, unknown> ? Req : never;
export type ResponseOf<R> = R extends RouteDef<object, infer Res> ? Res : never;
