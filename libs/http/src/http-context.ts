import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, RETRYABLE_CODES } from '@paygate/contracts';

/**
 * What the edge learns about a request before it is forwarded, kept on Node's own request
 * object (the edge hooks run on it, before Fastify's request exists for them).
 */
export interface EdgeFields {
  requestId?: string;
  merchantId?: string;
  /** Scopes of the API key that authenticated the request (gateway only). */
  scopes?: string[];
  /** The route template the router matched (`/payments/:id`); none for an unmatched request. */
  route?: { path?: unknown };
}

/** Node's request as the edge hooks see it. */
export type EdgeMessage = IncomingMessage & EdgeFields;

/** The request a controller or guard gets (`@Req()`): Fastify's, over the edge's raw request. */
export type EdgeRequest = FastifyRequest & { raw: EdgeMessage };

/** A request header's value (the first, if sent more than once), or undefined. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The path of a request URL, without its query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function isReply(res: ServerResponse | FastifyReply): res is FastifyReply {
  return 'raw' in res && typeof (res as FastifyReply).code === 'function';
}

/** Node's own response under a Fastify reply (or the response itself). */
export function nodeResponse(res: ServerResponse | FastifyReply): ServerResponse {
  return isReply(res) ? res.raw : res;
}

/** The error envelope's JSON: `{"error":{code,message,details,request_id}}`. */
export function errorBody(err: DomainError, requestId: string | undefined): string {
  return JSON.stringify({
    error: { code: err.code, message: err.message, details: err.details, request_id: requestId ?? null },
  });
}

/**
 * Writes the one error envelope, through Fastify's reply (filters, guards) or straight on Node's
 * response (an edge hook that answers before routing).
 */
export function writeError(res: ServerResponse | FastifyReply, err: DomainError, requestId: string | undefined): void {
  const raw = nodeResponse(res);
  if (raw.headersSent || (isReply(res) && res.sent)) return;
  // A precise Retry-After set before the error (the rate limiter's) is kept.
  const hasRetryAfter = raw.hasHeader('Retry-After') || (isReply(res) && res.hasHeader('Retry-After'));
  if (RETRYABLE_CODES.has(err.code) && !hasRetryAfter) raw.setHeader('Retry-After', '1');
  const body = errorBody(err, requestId);
  if (isReply(res)) {
    void res.code(err.httpStatus).type('application/json; charset=utf-8').send(body);
    return;
  }
  raw.statusCode = err.httpStatus;
  raw.setHeader('Content-Type', 'application/json; charset=utf-8');
  raw.setHeader('Content-Length', Buffer.byteLength(body));
  raw.end(body);
}
