import { HttpException, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { DomainError, ErrorCode } from '@paygate/contracts';

const log = new Logger('Errors');

const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * The detail reason of a SERVICE_UNAVAILABLE caused by a lost database connection. Unlike "no
 * responder", the request was received and may have committed: a caller must not assume nothing happened.
 */
export const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';

/** SQLSTATEs of a lost or refused database connection: class 08, and the server shutting down or starting up. */
const CONNECTION_SQLSTATES = /^(08...|57P0[1-3])$/;
/** Socket-level error codes of a dependency that is down or cut off. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** node-postgres's own messages for a connection that broke or could not be made (no code on them). */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/**
 * Whether an error is a lost or refused connection to a backing store (PostgreSQL killed our
 * connection, restarted, or is unreachable): an outage, answered 503 so the client retries, not a
 * bug. Looks through wrappers (drizzle's `DrizzleQueryError` keeps the driver error as `cause`).
 */
export function isConnectionLoss(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_SQLSTATES.test(code) || CONNECTION_ERRNOS.has(code))) return true;
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The innermost cause's message (not drizzle's wrapper, which carries the query and its parameters). */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object' && (e as { cause?: unknown }).cause; depth++) {
    e = (e as { cause?: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Anything thrown anywhere → the one error model. Unknown errors become `INTERNAL_ERROR` with a
 * generic message (logged here, never leaked: no stack traces or internal messages in answers).
 */
export function toDomainError(exception: unknown): DomainError {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof RpcException) return DomainError.fromWire(exception.getError());
  if (exception instanceof HttpException) {
    const code = HTTP_STATUS_CODES[exception.getStatus()];
    if (code) return new DomainError(code, code === 'ROUTE_NOT_FOUND' ? 'No such route' : exception.message);
  }
  if (isConnectionLoss(exception)) {
    log.warn(`database unavailable: ${rootMessage(exception)}`);
    return new DomainError('SERVICE_UNAVAILABLE', 'A backing store is unavailable; retry shortly', [
      { reason: STORE_UNAVAILABLE, message: 'the database connection was lost: what the request did is unknown' },
    ]);
  }
  log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return new DomainError('INTERNAL_ERROR', 'Internal error');
}
