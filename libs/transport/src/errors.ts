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
  log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return new DomainError('INTERNAL_ERROR', 'Internal error');
}
