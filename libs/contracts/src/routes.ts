import type { Type } from '@nestjs/common';
import type { BackendService } from './services';
import {
  ConversionResponse,
  ConversionResult,
  ConvertRequest,
  ConvertResponse,
  CreateConversionRequest,
  CreateQuoteRequest,
  CurrenciesResponse,
  GetConversionRequest,
  GetRateRequest,
  ListCurrenciesRequest,
  ListRatesRequest,
  QuoteResponse,
  RateResponse,
  RatesResponse,
} from './fx';
import {
  AccountActionRequest,
  AccountListResponse,
  AccountResponse,
  CaptureHoldRequest,
  EntryListResponse,
  HoldStateResponse,
  ListAccountsRequest,
  ListEntriesRequest,
  LookupRequest,
  LookupResponse,
  ReleaseHoldRequest,
  ReverseRequest,
  ReverseResponse,
  WithdrawalRequest,
  WithdrawalResponse,
  BalanceResponse,
  CreateAccountRequest,
  DepositRequest,
  DepositResponse,
  GetAccountRequest,
  GetBalanceRequest,
  HoldRequest,
  HoldResponse,
  ResolveAccountsRequest,
  ResolveAccountsResponse,
  TransferRequest,
  TransferResponse,
} from './wallet';
import { ScoreRequest, ScoreResponse } from './risk';
import {
  CancelPaymentRequest,
  CapturePaymentRequest,
  CreatePaymentRequest,
  EventListResponse,
  GetPaymentRequest,
  ListEventsRequest,
  ListPaymentsRequest,
  PaymentDto,
  PaymentIdRequest,
  PaymentListResponse,
  RefundDto,
  RefundListResponse,
  RefundPaymentRequest,
  ReviewPaymentRequest,
} from './payments';
import {
  CreateWebhookEndpointRequest,
  ListWebhookDeliveriesRequest,
  ListWebhookEndpointsRequest,
  WebhookDeliveryDetailDto,
  WebhookDeliveryIdRequest,
  WebhookDeliveryListResponse,
  WebhookEndpointDto,
  WebhookEndpointIdRequest,
  WebhookEndpointListResponse,
} from './webhooks';

export type Scope = 'read' | 'write' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** One message pattern between services: what the handler takes and answers. */
export interface RpcDef<Req extends object = object, Res = unknown> {
  service: BackendService;
  /** NATS subject / in-process pattern: `<service>.<aggregate>.<verb>`. */
  pattern: string;
  request: Type<Req>;
  response: Type<Res>;
}

/**
 * A handler's answer that decides its own HTTP status (a payment that FAILED is a 400 carrying
 * the payment; a replay is flagged `Idempotent-Replayed: true`). Routes with `outcome` answer
 * this over RPC; the edge unwraps it.
 */
export interface HttpOutcome<T> {
  status: number;
  replayed?: boolean;
  body: T;
}

/**
 * One public operation, described once: it drives the service's `@MessagePattern`, the HTTP→RPC
 * forwarder on the gateway (with auth) and on the service's own port (without), the typed
 * client, and the OpenAPI document.
 */
export interface RouteDef<Req extends object = object, Res = unknown> extends RpcDef<Req, Res> {
  operationId: string;
  method: HttpMethod;
  /** Route template (`:name` parameters): `/balance/:account_id`. Path params are fields of `request`. */
  path: string;
  scope: Scope;
  successStatus: number;
  summary: string;
  description?: string;
  /** Error codes this operation documents beyond the common ones. */
  errors?: string[];
  /** The handler answers an `HttpOutcome<response>`; these are the other statuses that carry `response`. */
  outcome?: Array<{ status: number; description: string }>;
}

function route<Req extends object, Res>(def: RouteDef<Req, Res>): RouteDef<Req, Res> {
  return def;
}

function rpc<Req extends object, Res>(def: RpcDef<Req, Res>): RpcDef<Req, Res> {
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
  fxRates: route({
    operationId: 'listRates',
    service: 'fx',
    method: 'GET',
    path: '/rates',
    pattern: 'fx.rates.list',
    request: ListRatesRequest,
    response: RatesResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Mid rates of every quoted currency against a base',
    errors: ['RATE_UNAVAILABLE'],
  }),
  fxCurrencies: route({
    operationId: 'listCurrencies',
    service: 'fx',
    method: 'GET',
    path: '/currencies',
    pattern: 'fx.currencies.list',
    request: ListCurrenciesRequest,
    response: CurrenciesResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'ISO 4217 currencies: code, numeric code, exponent, name, and whether rates quote them',
  }),
  fxCreateQuote: route({
    operationId: 'createQuote',
    service: 'fx',
    method: 'POST',
    path: '/quotes',
    pattern: 'fx.quote.create',
    request: CreateQuoteRequest,
    response: QuoteResponse,
    scope: 'write',
    successStatus: 201,
    summary: 'Lock a rate for a while (a firm quote), for one payment',
    description:
      'The quote locks the ask rate of `from`→`to` until `expires_at`; a payment in `from` debited in `to` may use it once (`quote_id`). With an `Idempotency-Key` a repeat returns the same quote (`Idempotent-Replayed: true`).',
    errors: ['RATE_UNAVAILABLE', 'RATE_STALE', 'IDEMPOTENCY_KEY_REUSED'],
    outcome: [],
  }),
  fxGetConversion: route({
    operationId: 'getConversion',
    service: 'fx',
    method: 'GET',
    path: '/conversions/:id',
    pattern: 'fx.conversion.get',
    request: GetConversionRequest,
    response: ConversionResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'A recorded conversion, with everything needed to recompute it',
    errors: ['CONVERSION_NOT_FOUND'],
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
    description: "`available` = `ledger` − `held`; amounts are decimal strings with exactly the currency's decimals.",
    errors: ['ACCOUNT_NOT_FOUND'],
  }),
  walletCreateAccount: route({
    operationId: 'createAccount',
    service: 'wallet',
    method: 'POST',
    path: '/accounts',
    pattern: 'wallet.account.create',
    request: CreateAccountRequest,
    response: AccountResponse,
    scope: 'write',
    successStatus: 201,
    summary: 'Open a wallet with a balance per currency',
    errors: ['ACCOUNT_EXISTS'],
  }),
  walletGetAccount: route({
    operationId: 'getAccount',
    service: 'wallet',
    method: 'GET',
    path: '/accounts/:account_id',
    pattern: 'wallet.account.get',
    request: GetAccountRequest,
    response: AccountResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'A wallet: status, default currency, currencies',
    errors: ['ACCOUNT_NOT_FOUND'],
  }),
  walletDeposit: route({
    operationId: 'createDeposit',
    service: 'wallet',
    method: 'POST',
    path: '/accounts/:account_id/deposits',
    pattern: 'wallet.deposit.create',
    request: DepositRequest,
    response: DepositResponse,
    scope: 'write',
    successStatus: 201,
    summary: 'Fund a wallet from the house settlement account',
    description:
      'One balanced journal: the wallet is credited, the house settlement account debited. A repeat with the same `reference` and body replays the deposit (`Idempotent-Replayed: true`); with another body it is a 409.',
    errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'IDEMPOTENCY_KEY_REUSED'],
    outcome: [],
  }),
  walletListAccounts: route({
    operationId: 'listAccounts',
    service: 'wallet',
    method: 'GET',
    path: '/accounts',
    pattern: 'wallet.account.list',
    request: ListAccountsRequest,
    response: AccountListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Wallets, by id, a page at a time',
  }),
  walletFreeze: route({
    operationId: 'freezeAccount',
    service: 'wallet',
    method: 'POST',
    path: '/accounts/:account_id/freeze',
    pattern: 'wallet.account.freeze',
    request: AccountActionRequest,
    response: AccountResponse,
    scope: 'write',
    successStatus: 200,
    summary: 'Freeze a wallet: no money moves in or out until it is unfrozen',
    errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED'],
  }),
  walletUnfreeze: route({
    operationId: 'unfreezeAccount',
    service: 'wallet',
    method: 'POST',
    path: '/accounts/:account_id/unfreeze',
    pattern: 'wallet.account.unfreeze',
    request: AccountActionRequest,
    response: AccountResponse,
    scope: 'write',
    successStatus: 200,
    summary: 'Unfreeze a wallet',
    errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED'],
  }),
  walletClose: route({
    operationId: 'closeAccount',
    service: 'wallet',
    method: 'POST',
    path: '/accounts/:account_id/close',
    pattern: 'wallet.account.close',
    request: AccountActionRequest,
    response: AccountResponse,
    scope: 'write',
    successStatus: 200,
    summary: 'Close a wallet for good (every balance must be zero, nothing on hold)',
    errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_NOT_EMPTY'],
  }),
  walletWithdraw: route({
    operationId: 'createWithdrawal',
    service: 'wallet',
    method: 'POST',
    path: '/accounts/:account_id/withdrawals',
    pattern: 'wallet.withdrawal.create',
    request: WithdrawalRequest,
    response: WithdrawalResponse,
    scope: 'write',
    successStatus: 201,
    summary: 'Pay out of a wallet to the house settlement account',
    description:
      'One balanced journal: the wallet is debited (never below zero unless it allows overdraft), the house settlement account credited. Idempotent on `reference` like deposits.',
    errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'INSUFFICIENT_FUNDS', 'IDEMPOTENCY_KEY_REUSED'],
    outcome: [],
  }),
  walletEntries: route({
    operationId: 'listEntries',
    service: 'wallet',
    method: 'GET',
    path: '/accounts/:account_id/entries',
    pattern: 'wallet.entry.list',
    request: ListEntriesRequest,
    response: EntryListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'A wallet’s ledger entries, newest first, a page at a time',
    errors: ['ACCOUNT_NOT_FOUND'],
  }),
  riskScore: route({
    operationId: 'score',
    service: 'risk',
    method: 'POST',
    path: '/score',
    pattern: 'risk.score',
    request: ScoreRequest,
    response: ScoreResponse,
    scope: 'write',
    successStatus: 200,
    summary: 'Score a transaction against the rules file',
    description:
      'Score 0–100 is the sum of the weights of the rules that fire (capped); the decision follows the thresholds of the rules file. With `payment_id` the decision is recorded once and a retry returns it; without, nothing is recorded.',
  }),
  paymentsCreate: route({
    operationId: 'createPayment',
    service: 'payments',
    method: 'POST',
    path: '/payments',
    pattern: 'payments.create',
    request: CreatePaymentRequest,
    response: PaymentDto,
    scope: 'write',
    successStatus: 200,
    summary: 'Pay from one wallet to another (risk → FX → wallet)',
    description:
      'The payment `id` is the idempotency key unless an `Idempotency-Key` header is given: a repeat with the same body replays the stored answer with `Idempotent-Replayed: true`. `CAPTURED` → 200; `PENDING` (held for risk review, funds on hold) → 202; `FAILED` (a business decline: `failure_code`) → 400 with the payment. A dependency outage is a 503 and stores nothing, so a retry runs again.',
    errors: ['PAYMENT_ID_EXISTS', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS', 'DEADLINE_EXCEEDED', 'RATE_STALE'],
    outcome: [
      { status: 202, description: 'PENDING: held for risk review, funds on hold' },
      { status: 400, description: 'FAILED: a business decline, see failure_code' },
    ],
  }),
  paymentsGet: route({
    operationId: 'getPayment',
    service: 'payments',
    method: 'GET',
    path: '/payments/:id',
    pattern: 'payments.get',
    request: GetPaymentRequest,
    response: PaymentDto,
    scope: 'read',
    successStatus: 200,
    summary: 'A payment by id',
    errors: ['PAYMENT_NOT_FOUND'],
  }),
  paymentsList: route({
    operationId: 'listPayments',
    service: 'payments',
    method: 'GET',
    path: '/payments',
    pattern: 'payments.list',
    request: ListPaymentsRequest,
    response: PaymentListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Payments, newest first, optionally of one account',
  }),
  paymentsCapture: route({
    operationId: 'capturePayment',
    service: 'payments',
    method: 'POST',
    path: '/payments/:id/capture',
    pattern: 'payments.capture',
    request: CapturePaymentRequest,
    response: PaymentDto,
    scope: 'write',
    successStatus: 200,
    summary: 'Capture an AUTHORIZED payment, in full or in part (the rest is released)',
    description: 'With an `Idempotency-Key`, a repeat replays the first answer (`Idempotent-Replayed: true`).',
    errors: [
      'PAYMENT_NOT_FOUND',
      'INVALID_PAYMENT_STATE',
      'AMOUNT_EXCEEDS_AUTHORIZED',
      'IDEMPOTENCY_KEY_REUSED',
      'IDEMPOTENCY_IN_PROGRESS',
    ],
    outcome: [],
  }),
  paymentsCancel: route({
    operationId: 'cancelPayment',
    service: 'payments',
    method: 'POST',
    path: '/payments/:id/cancel',
    pattern: 'payments.cancel',
    request: CancelPaymentRequest,
    response: PaymentDto,
    scope: 'write',
    successStatus: 200,
    summary: 'Cancel an AUTHORIZED payment: its hold is released',
    errors: ['PAYMENT_NOT_FOUND', 'INVALID_PAYMENT_STATE', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS'],
    outcome: [],
  }),
  paymentsReview: route({
    operationId: 'reviewPayment',
    service: 'payments',
    method: 'POST',
    path: '/payments/:id/review',
    pattern: 'payments.review',
    request: ReviewPaymentRequest,
    response: PaymentDto,
    scope: 'write',
    successStatus: 200,
    summary:
      'Decide a PENDING payment held for risk review: approve (captured, or authorized if capture=false) or decline (FAILED, hold released)',
    errors: ['PAYMENT_NOT_FOUND', 'INVALID_PAYMENT_STATE', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS'],
    outcome: [],
  }),
  paymentsRefund: route({
    operationId: 'refundPayment',
    service: 'payments',
    method: 'POST',
    path: '/payments/:id/refund',
    pattern: 'payments.refund',
    request: RefundPaymentRequest,
    response: RefundDto,
    scope: 'write',
    successStatus: 201,
    summary: 'Refund a captured payment, in full or in part, at its original rate',
    description:
      'Several partial refunds may follow each other up to what was captured; the payment becomes PARTIALLY_REFUNDED, then REFUNDED. Send an `Idempotency-Key` so a retry cannot refund twice.',
    errors: [
      'PAYMENT_NOT_FOUND',
      'INVALID_PAYMENT_STATE',
      'REFUND_EXCEEDS_CAPTURED',
      'INSUFFICIENT_FUNDS',
      'IDEMPOTENCY_KEY_REUSED',
      'IDEMPOTENCY_IN_PROGRESS',
    ],
    outcome: [],
  }),
  paymentsEvents: route({
    operationId: 'listEvents',
    service: 'payments',
    method: 'GET',
    path: '/events',
    pattern: 'payments.events.list',
    request: ListEventsRequest,
    response: EventListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Payment events (every state change), newest first',
    description:
      'Each event is written in the same transaction as the state change (a transactional outbox) and relayed at least once to NATS JetStream, stream `PAYMENTS`, subject `payments.payment.<status>`, message id = event id.',
  }),
  paymentsRefunds: route({
    operationId: 'listRefunds',
    service: 'payments',
    method: 'GET',
    path: '/payments/:id/refunds',
    pattern: 'payments.refunds.list',
    request: PaymentIdRequest,
    response: RefundListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'The refunds of a payment',
    errors: ['PAYMENT_NOT_FOUND'],
  }),
  webhookEndpointsCreate: route({
    operationId: 'createWebhookEndpoint',
    service: 'payments',
    method: 'POST',
    path: '/webhook_endpoints',
    pattern: 'payments.webhooks.endpoint.create',
    request: CreateWebhookEndpointRequest,
    response: WebhookEndpointDto,
    scope: 'write',
    successStatus: 201,
    summary: 'Register a URL that receives signed payment events',
    description:
      'The answer carries the signing secret (`whsec_…`), shown only here and by rotate_secret. Each event is POSTed as JSON `{id, type, created, data}` with `Paygate-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` and `Paygate-Event-Id`; retried with exponential backoff until a 2xx. With an `Idempotency-Key` a repeat replays the first answer.',
    errors: ['WEBHOOK_URL_NOT_ALLOWED', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS'],
    outcome: [],
  }),
  webhookEndpointsList: route({
    operationId: 'listWebhookEndpoints',
    service: 'payments',
    method: 'GET',
    path: '/webhook_endpoints',
    pattern: 'payments.webhooks.endpoint.list',
    request: ListWebhookEndpointsRequest,
    response: WebhookEndpointListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Webhook endpoints, newest first (secrets are not shown)',
  }),
  webhookEndpointsGet: route({
    operationId: 'getWebhookEndpoint',
    service: 'payments',
    method: 'GET',
    path: '/webhook_endpoints/:id',
    pattern: 'payments.webhooks.endpoint.get',
    request: WebhookEndpointIdRequest,
    response: WebhookEndpointDto,
    scope: 'read',
    successStatus: 200,
    summary: 'A webhook endpoint (its secret is not shown)',
    errors: ['WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
  webhookEndpointsDelete: route({
    operationId: 'deleteWebhookEndpoint',
    service: 'payments',
    method: 'DELETE',
    path: '/webhook_endpoints/:id',
    pattern: 'payments.webhooks.endpoint.delete',
    request: WebhookEndpointIdRequest,
    response: WebhookEndpointDto,
    scope: 'write',
    successStatus: 200,
    summary: 'Delete a webhook endpoint: nothing more is sent to it (pending deliveries are canceled)',
    errors: ['WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
  webhookEndpointsRotateSecret: route({
    operationId: 'rotateWebhookSecret',
    service: 'payments',
    method: 'POST',
    path: '/webhook_endpoints/:id/rotate_secret',
    pattern: 'payments.webhooks.endpoint.rotate',
    request: WebhookEndpointIdRequest,
    response: WebhookEndpointDto,
    scope: 'write',
    successStatus: 200,
    summary: 'Replace the signing secret: every attempt from now on is signed with the new one (shown once, in this answer)',
    errors: ['WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
  webhookEndpointDeliveries: route({
    operationId: 'listWebhookDeliveries',
    service: 'payments',
    method: 'GET',
    path: '/webhook_endpoints/:id/deliveries',
    pattern: 'payments.webhooks.delivery.list',
    request: ListWebhookDeliveriesRequest,
    response: WebhookDeliveryListResponse,
    scope: 'read',
    successStatus: 200,
    summary: 'Deliveries of events to an endpoint, newest first',
    errors: ['WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
  webhookDeliveryGet: route({
    operationId: 'getWebhookDelivery',
    service: 'payments',
    method: 'GET',
    path: '/webhook_deliveries/:id',
    pattern: 'payments.webhooks.delivery.get',
    request: WebhookDeliveryIdRequest,
    response: WebhookDeliveryDetailDto,
    scope: 'read',
    successStatus: 200,
    summary: 'A delivery with every attempt (time, HTTP status or error, duration)',
    errors: ['WEBHOOK_DELIVERY_NOT_FOUND'],
  }),
  webhookDeliveryReplay: route({
    operationId: 'replayWebhookDelivery',
    service: 'payments',
    method: 'POST',
    path: '/webhook_deliveries/:id/replay',
    pattern: 'payments.webhooks.delivery.replay',
    request: WebhookDeliveryIdRequest,
    response: WebhookDeliveryDetailDto,
    scope: 'write',
    successStatus: 200,
    summary: 'Send a delivery again now (whatever its status); the attempt is recorded and the delivery answered with it',
    errors: ['WEBHOOK_DELIVERY_NOT_FOUND', 'WEBHOOK_ENDPOINT_NOT_FOUND'],
  }),
} as const;

/** Internal message patterns, between services only (no HTTP route). */
export const RPCS = {
  fxCreateConversion: rpc({ service: 'fx', pattern: 'fx.conversion.create', request: CreateConversionRequest, response: ConversionResult }),
  walletResolveAccounts: rpc({
    service: 'wallet',
    pattern: 'wallet.accounts.resolve',
    request: ResolveAccountsRequest,
    response: ResolveAccountsResponse,
  }),
  walletTransfer: rpc({ service: 'wallet', pattern: 'wallet.transfer.post', request: TransferRequest, response: TransferResponse }),
  walletHold: rpc({ service: 'wallet', pattern: 'wallet.hold.place', request: HoldRequest, response: HoldResponse }),
  walletCaptureHold: rpc({ service: 'wallet', pattern: 'wallet.hold.capture', request: CaptureHoldRequest, response: HoldStateResponse }),
  walletReleaseHold: rpc({ service: 'wallet', pattern: 'wallet.hold.release', request: ReleaseHoldRequest, response: HoldStateResponse }),
  walletLookup: rpc({ service: 'wallet', pattern: 'wallet.lookup', request: LookupRequest, response: LookupResponse }),
  walletReverse: rpc({ service: 'wallet', pattern: 'wallet.transfer.reverse', request: ReverseRequest, response: ReverseResponse }),
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

export type RequestOf<R> = R extends RpcDef<infer Req, unknown> ? Req : never;
/** What the handler answers over RPC: the response, or an `HttpOutcome` of it for outcome routes. */
export type ResponseOf<R> = R extends { outcome: unknown[] } & RpcDef<object, infer Res>
  ? HttpOutcome<Res>
  : R extends RpcDef<object, infer Res>
    ? Res
    : never;
