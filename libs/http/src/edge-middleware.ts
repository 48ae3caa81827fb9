import type { NextFunction, Request, Response } from 'express';
import { parse as parseLossless, isLosslessNumber } from 'lossless-json';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@paygate/contracts';
import { EdgeRequest, writeError } from './http-context';

export const MAX_BODY_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** `X-Request-Id` honoured when sane, generated otherwise, echoed on every response. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const id = given && REQUEST_ID.test(given) ? given : `req_${randomUUID().replace(/-/g, '')}`;
  (req as EdgeRequest).requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
}

/** JSON numbers become their exact source text: `123.4500000000000001` stays what was sent. */
function exactNumbers(_key: string, value: unknown): unknown {
  return isLosslessNumber(value) ? value.toString() : value;
}

/**
 * Lossless JSON bodies: Node's JSON.parse would turn `123.4500000000000001` into `123.45` and
 * `1e2` into `100`, hiding what was sent. Over 1 MiB → 413; a body that is not JSON → 415;
 * malformed JSON → 400; all in the one error envelope.
 */
export function losslessJsonBody(req: Request, res: Response, next: NextFunction): void {
  const requestId = (req as EdgeRequest).requestId;
  const declared = Number(req.header('content-length') ?? '0');
  const chunked = req.header('transfer-encoding') !== undefined;
  if (!chunked && !(declared > 0)) return next();
  if (declared > MAX_BODY_BYTES) {
    res.setHeader('Connection', 'close');
    return writeError(res, new DomainError('PAYLOAD_TOO_LARGE', `Request body over ${MAX_BODY_BYTES} bytes`), requestId);
  }
  if (!req.is(['application/json', 'application/*+json'])) {
    return writeError(
      res,
      new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON (Content-Type: application/json)'),
      requestId,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      failed = true;
      res.setHeader('Connection', 'close');
      writeError(res, new DomainError('PAYLOAD_TOO_LARGE', `Request body over ${MAX_BODY_BYTES} bytes`), requestId);
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (failed) return;
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      req.body = text.trim() === '' ? undefined : parseLossless(text, exactNumbers);
    } catch (e) {
      const why = e instanceof Error ? e.message : 'unparsable';
      return writeError(
        res,
        new DomainError('VALIDATION_ERROR', `Malformed JSON body: ${why}`, [{ reason: 'MALFORMED_JSON', message: why }]),
        requestId,
      );
    }
    next();
  });
  req.on('error', () => {
    failed = true;
  });
}
