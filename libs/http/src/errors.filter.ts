import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable, throwError } from 'rxjs';
import { toDomainError } from '@paygate/transport';
import { writeEdgeError } from './edge-middleware';
import { EdgeRequest } from './http-context';

/**
 * The one error model on both transports: HTTP answers get the error envelope with the status
 * of the code's row in the table; RPC answers carry `{code, message, details}` unchanged.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') {
      const err = toDomainError(exception);
      return throwError(() => err.toBody());
    }
    const http = host.switchToHttp();
    writeEdgeError(http.getResponse<FastifyReply>(), exception, http.getRequest<EdgeRequest>().raw?.requestId);
  }
}
