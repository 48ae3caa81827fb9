import type { NextFunction, Request, Response } from 'express';
import { parse as parseLossless, isLosslessNumber } from 'lossless-json';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@paygate/contracts';
import { EdgeRequest, writeError } from './http-context';
import { unsafeJsonProblem } from './json-safety';

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
  readJsonBody(req, res, next, MAX_BODY_BYTES);
}

/** {@link losslessJsonBody} with a configured size limit in bytes (BODY_LIMIT). */
export function jsonBodyParser(limitBytes: number = MAX_BODY_BYTES): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => readJsonBody(req, res, next, limitBytes);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why a body could not be parsed, in words safe to send back (never an internal message). */
function parseProblem(e: unknown): string {
  return e instanceof SyntaxError && e.message.length < 200 ? e.message : 'the body is not valid JSON';
}

function readJsonBody(req: Request, res: Response, next: NextFunction, limit: number): void {
  const requestId = (req as EdgeRequest).requestId;
  const declared = Number(req.header('content-length') ?? '0');
  const chunked = req.header('transfer-encoding') !== undefined;
  if (!chunked && !(declared > 0)) return next();
  if (declared > limit) {
    res.setHeader('Connection', 'close');
    return writeError(res, new DomainError('PAYLOAD_TOO_LARGE', `Request body over ${limit} bytes`), requestId);
  }
  const charset = CHARSET.exec(req.header('content-type') ?? '')?.[1]?.toLowerCase();
  if (!req.is(['application/json', 'application/*+json']) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    return writeError(
      res,
      new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON in UTF-8 (Content-Type: application/json)'),
      requestId,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > limit) {
      failed = true;
      res.setHeader('Connection', 'close');
      writeError(res, new DomainError('PAYLOAD_TOO_LARGE', `Request body over ${limit} bytes`), requestId);
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (failed) return;
    let text: string;
    try {
      text = UTF8.decode(Buffer.concat(chunks));
    } catch {
      return writeError(
        res,
        new DomainError('VALIDATION_ERROR', 'The request body is not valid UTF-8', [
          { reason: 'INVALID_ENCODING', message: 'not valid UTF-8' },
        ]),
        requestId,
      );
    }
    try {
      req.body = text.trim() === '' ? undefined : parseLossless(text, exactNumbers);
    } catch (e) {
      const why = parseProblem(e);
      return writeError(
        res,
        new DomainError('VALIDATION_ERROR', `Malformed JSON body: ${why}`, [{ reason: 'MALFORMED_JSON', message: why }]),
        requestId,
      );
    }
    const unsafe = unsafeJsonProblem(req.body);
    if (unsafe) return writeError(res, new DomainError('VALIDATION_ERROR', unsafe.message, [unsafe]), requestId);
    next();
  });
  req.on('error', () => {
    failed = true;
  });
}
