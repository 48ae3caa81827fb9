import Fastify, { FastifyInstance } from 'fastify';
import { EdgeHook, MAX_BODY_BYTES, installEdge, writeEdgeError } from './edge-middleware';
import { EdgeMessage } from './http-context';

/**
 * For the edge's own tests: a bare Fastify server with the edge installed (the given steps, the
 * JSON body parser) and its errors answered as the services answer them (Nest's error handler
 * ends in `ErrorsFilter`, which writes the same envelope). Call `ready()` before sending.
 */
export function edgeTestApp(hooks: EdgeHook[], bodyLimit = MAX_BODY_BYTES): FastifyInstance {
  const app = Fastify({ bodyLimit });
  installEdge(app, { hooks, bodyLimit });
  app.setErrorHandler((err, request, reply) => writeEdgeError(reply, err, (request.raw as EdgeMessage).requestId));
  return app;
}
