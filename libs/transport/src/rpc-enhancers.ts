import {
  ArgumentsHost,
  CallHandler,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { DomainError, ErrorDetail, envelopeFromHeaders } from '@paygate/contracts';
import { RequestContext } from './request-context';
import { RpcCall, RpcStep, interceptWith } from './rpc-steps';
import { toDomainError } from './errors';
import { memoizeValidationMetadata } from './validation-metadata';

/** Flattens class-validator's tree into `details`; a `CODE: message` lifts CODE into `reason`. */
export function validationDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [constraint, message] of Object.entries(e.constraints ?? {})) {
      const m = /^([A-Z][A-Z_]+): (.*)$/.exec(message);
      out.push(m ? { field, reason: m[1], message: m[2] } : { field, reason: constraint, message });
    }
    out.push(...validationDetails(e.children ?? [], field));
  }
  return out;
}

/** Payload validation for every message handler: unknown fields rejected, one error envelope. */
export function createValidationPipe(): ValidationPipe {
  memoizeValidationMetadata();
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = validationDetails(errors);
      const summary = details.map((d) => d.message).join('; ');
      return new DomainError('VALIDATION_ERROR', summary || 'Invalid request', details);
    },
  });
}

/**
 * Sets the request context from the message envelope for the handler's whole execution and
 * refuses work whose deadline has already passed (the caller has given up on it).
 */
@Injectable()
export class RpcContextInterceptor implements NestInterceptor, RpcStep {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return interceptWith([this], context, next);
  }

  async around(call: RpcCall, next: () => Promise<unknown>): Promise<unknown> {
    const envelope = envelopeFromHeaders((k) => call.headers.get(k) || undefined);
    if (!envelope) throw new DomainError('VALIDATION_ERROR', 'Message without an envelope');
    if (envelope.deadline <= Date.now()) throw new DomainError('DEADLINE_EXCEEDED', 'Deadline passed before the work started');
    return RequestContext.run(envelope, next);
  }
}

/** RPC side of the one error model: the wire carries `{code, message, details}` unchanged. */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'rpc') throw exception;
    const body = toDomainError(exception).toBody();
    return throwError(() => body);
  }
}
