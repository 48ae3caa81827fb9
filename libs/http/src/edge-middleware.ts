import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { parse as parseLossless, isLosslessNumber } from 'lossless-json';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@paygate/contracts';
import { toDomainError } from '@paygate/transport';
import { EdgeMessage, headerOf, nodeResponse, writeError } from './http-context';
import { unsafeJsonProblem } from './json-safety';

export const MAX_BODY_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * One step of the edge, on Node's own request and response: call `next()` to go on, or answer
 * (write and end the response) and do not.
 */
export type EdgeHook = (req: EdgeMessage, res: ServerResponse, next: () => void) => void;

/** `X-Request-Id` honoured when sane, generated otherwise, echoed on every response. */
export const requestIdMiddleware: EdgeHook = (req, res, next) => {
  const given = headerOf(req, 'x-request-id');
  const id = given && REQUEST_ID.test(given) ? given : `req_${randomUUID().replace(/-/g, '')}`;
  req.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/** JSON numbers become their exact source text: `123.4500000000000001` stays what was sent. */
function exactNumbers(_key: string, value: unknown): unknown {
  return isLosslessNumber(value) ? value.toString() : value;
}

const MEDIA_TYPE = /^\s*application\/(?:json|[^\s;/]+\+json)\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why a body could not be parsed, in words safe to send back (never an internal message). */
function parseProblem(e: unknown): string {
  return e instanceof SyntaxError && e.message.length < 200 ? e.message : 'the body is not valid JSON';
}

/**
 * A request body as the services take it: JSON in UTF-8, its numbers kept as their exact source
 * text (Node's JSON.parse would turn `123.4500000000000001` into `123.45` and `1e2` into `100`,
 * hiding what was sent). An empty body is no body. Throws the error to answer with: 415 for a
 * body that is not JSON in UTF-8, 400 for invalid UTF-8, malformed or unsafe JSON.
 */
export function parseJsonBody(contentType: string | undefined, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const charset = CHARSET.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (!MEDIA_TYPE.test(contentType ?? '') || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON in UTF-8 (Content-Type: application/json)');
  }
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new DomainError('VALIDATION_ERROR', 'The request body is not valid UTF-8', [
      { reason: 'INVALID_ENCODING', message: 'not valid UTF-8' },
    ]);
  }
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = parseLossless(text, exactNumbers);
  } catch (e) {
    const why = parseProblem(e);
    throw new DomainError('VALIDATION_ERROR', `Malformed JSON body: ${why}`, [{ reason: 'MALFORMED_JSON', message: why }]);
  }
  const unsafe = unsafeJsonProblem(parsed);
  if (unsafe) throw new DomainError('VALIDATION_ERROR', unsafe.message, [unsafe]);
  return parsed;
}

/**
 * The one error model for what fails before a handler runs: Fastify's own refusals (a body over
 * the limit, a bad Content-Length) become their code; everything else maps as anywhere else.
 */
export function edgeError(exception: unknown): DomainError {
  const e = exception as Partial<FastifyError> | undefined;
  if (typeof e?.code === 'string' && e.code.startsWith('FST_')) {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new DomainError('PAYLOAD_TOO_LARGE', e.message ?? 'Request body too large');
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON in UTF-8 (Content-Type: application/json)');
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return new DomainError('VALIDATION_ERROR', e.message ?? 'Bad request', [{ reason: 'BAD_REQUEST', message: e.message ?? '' }]);
    }
  }
  return toDomainError(exception);
}

/** Writes {@link edgeError}'s envelope; a body over the limit also closes the connection. */
export function writeEdgeError(res: ServerResponse | FastifyReply, exception: unknown, requestId: string | undefined): void {
  const err = edgeError(exception);
  if (err.code === 'PAYLOAD_TOO_LARGE') nodeResponse(res).setHeader('Connection', 'close');
  writeError(res, err, requestId);
}

/**
 * The HTTP server under Nest: Fastify, with Express's routing habits kept (a trailing slash and
 * the path's case do not matter) and room for long path parameters, so that they reach
 * validation and get its error rather than a 404. A request that arrives while the app closes
 * is served as any other (the graceful drain closes its connection), so that every error a
 * client sees is the one envelope. A request must arrive whole within Node's usual 5 minutes
 * (Fastify turns that bound off), so a client trickling a body cannot hold a socket for ever.
 */
export function httpAdapter(bodyLimitBytes: number): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: bodyLimitBytes,
    skipMiddie: true,
    return503OnClosing: false,
    requestTimeout: 300_000,
    frameworkErrors: frameworkError,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 2048 },
  });
}

/** A route the server serves: method and template. */
export interface EdgeRoute {
  method: string;
  path: string;
}

const ROUTES = new WeakMap<FastifyInstance, EdgeRoute[]>();

/** The routes registered on a server since its edge was installed (HEAD ones included). */
export function edgeRoutes(fastify: FastifyInstance): readonly EdgeRoute[] {
  return ROUTES.get(fastify) ?? [];
}

/** Runs the steps in order, then `done`; false when a step answered instead of going on. */
type HookChain = (req: EdgeMessage, res: ServerResponse, done: () => void) => boolean;

const CHAINS = new WeakMap<FastifyInstance, HookChain>();

function hookChain(hooks: readonly EdgeHook[]): HookChain {
  return (req, res, done) => {
    let reached = 0;
    const run = (k: number): void => {
      reached = k;
      if (k === hooks.length) return done();
      hooks[k](req, res, () => run(k + 1));
    };
    run(0);
    return reached === hooks.length;
  };
}

/**
 * Fastify's refusals before routing (a path that does not decode, a parameter over the length
 * limit): the request still goes through the edge's steps (request id, headers, metrics), then
 * gets the error envelope.
 */
function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const req = request.raw as EdgeMessage;
  const answer = () => writeEdgeError(reply.raw, err, req.requestId);
  const chain = CHAINS.get(request.server);
  if (chain) chain(req, reply.raw, answer);
  else answer();
}

export interface EdgeOptions {
  /** The steps every request goes through first, in order (request id, metrics, headers...). */
  hooks: EdgeHook[];
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Runs the handler (and what it calls) inside the request's scope: log fields, trace span. */
  scope?: (req: EdgeMessage, run: () => void) => void;
}

/**
 * The HTTP edge of every service on Fastify: the steps of {@link EdgeOptions.hooks} on each
 * request as soon as it is routed (the route template is known, so an answer from a step is
 * still counted under its route), the lossless JSON body parser for every content type, and the
 * handler run in the request's scope.
 */
export function installEdge(fastify: FastifyInstance, o: EdgeOptions): void {
  const routes: EdgeRoute[] = [];
  ROUTES.set(fastify, routes);
  fastify.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, path: r.url });
  });
  const chain = hookChain(o.hooks);
  CHAINS.set(fastify, chain);
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const req = request.raw as EdgeMessage;
    const template = request.routeOptions.url;
    if (template !== undefined && !request.is404) req.route = { path: template };
    // A step that answered (its steps are synchronous): Fastify must not answer as well.
    if (!chain(req, reply.raw, done)) reply.hijack();
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.bodyLimit }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request.headers['content-type'], body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  const scope = o.scope;
  if (scope) {
    fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      scope(request.raw as EdgeMessage, done);
    });
  }
}
