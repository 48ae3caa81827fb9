import type { Request, Response } from 'express';
import { DomainError, RETRYABLE_CODES } from '@paygate/contracts';

/** What the edge learns about a request before it is forwarded. */
export interface EdgeRequest extends Request {
  requestId?: string;
  merchantId?: string;
  /** Scopes of the API key that authenticated the request (gateway only). */
  scopes?: string[];
}

/** Writes the one error envelope: `{"error":{code,message,details,request_id}}`. */
export function writeError(res: Response, err: DomainError, requestId: string | undefined): void {
  if (res.headersSent) return;
  // A precise Retry-After set before the error (the rate limiter's) is kept.
  if (RETRYABLE_CODES.has(err.code) && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', '1');
  res.status(err.httpStatus).json({
    error: { code: err.code, message: err.message, details: err.details, request_id: requestId ?? null },
  });
}
