/**
 * The one error model of Paygate. Every service raises a `DomainError` with a code from
 * `ERROR_HTTP_STATUS`; the RPC layer carries `{code, message, details}` over the wire unchanged
 * and the HTTP edge maps the code to its status with this one table, in both transport modes.
 */
export const ERROR_HTTP_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  API_KEY_NOT_FOUND: 404,
  API_KEY_REVOKED: 409,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  QUOTE_NOT_FOUND: 404,
  CONVERSION_NOT_FOUND: 404,
  WEBHOOK_ENDPOINT_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  WEBHOOK_URL_NOT_ALLOWED: 422,
  QUOTE_USED: 409,
  QUOTE_EXPIRED: 422,
  QUOTE_NOT_APPLICABLE: 422,
  ACCOUNT_EXISTS: 409,
  ACCOUNT_FROZEN: 409,
  ACCOUNT_CLOSED: 409,
  ACCOUNT_NOT_EMPTY: 409,
  INVALID_PAYMENT_STATE: 409,
  AMOUNT_EXCEEDS_AUTHORIZED: 422,
  REFUND_EXCEEDS_CAPTURED: 422,
  HOLD_NOT_FOUND: 404,
  HOLD_NOT_ACTIVE: 409,
  AMOUNT_EXCEEDS_HOLD: 422,
  TRANSFER_NOT_FOUND: 404,
  REVERSAL_EXCEEDS_ORIGINAL: 422,
  INSUFFICIENT_FUNDS: 422,
  PAYMENT_ID_EXISTS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_CURRENCY: 400,
  RATE_UNAVAILABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 503,
  RATE_STALE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export interface ErrorDetail {
  /** The field (dotted path) the detail is about, when there is one. */
  field?: string;
  /** A machine-readable reason, e.g. `isCurrencyCode`, `AMOUNT_TOO_PRECISE`. */
  reason: string;
  message: string;
  [extra: string]: unknown;
}

/** The wire form of an error: what crosses NATS and the in-process bus. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_HTTP_STATUS, value);
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_HTTP_STATUS[code];
}

/** Codes whose HTTP answer carries `Retry-After`: the caller may simply try again later. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SERVICE_UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RATE_STALE',
  'RATE_LIMITED',
  'IDEMPOTENCY_IN_PROGRESS',
]);

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  toBody(): ErrorBody {
    return this.details.length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }

  /** Rebuilds a DomainError from what came over the wire; anything unknown is an internal error. */
  static fromWire(err: unknown): DomainError {
    if (err instanceof DomainError) return err;
    if (typeof err === 'object' && err !== null) {
      const { code, message, details } = err as Partial<ErrorBody>;
      if (isErrorCode(code)) {
        return new DomainError(code, typeof message === 'string' ? message : code, Array.isArray(details) ? details : []);
      }
    }
    return new DomainError('INTERNAL_ERROR', 'Internal error');
  }
}
