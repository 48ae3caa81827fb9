import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { toDomainError } from '@paygate/transport';
import { EdgeRequest, writeError } from './http-context';

/**
 * The one error model on both transports: HTTP answers get the error envelope with the status
 * of the code's row in the table; RPC answers carry `{code, message, details}` unchanged.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const err = toDomainError(exception);
    if (host.getType() === 'rpc') return throwError(() => err.toBody());
    const http = host.switchToHttp();
    writeError(http.getResponse<Response>(), err, http.getRequest<EdgeRequest>().requestId);
  }
}
