import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope } from '@paygate/contracts';

/**
 * The envelope of the call being served, set once by the transport layer (the HTTP forwarder at
 * the edge, the RPC interceptor in a service) so that outgoing calls inherit request id, trace
 * context, deadline and merchant without every handler passing them along.
 */
const storage = new AsyncLocalStorage<Envelope>();

export const RequestContext = {
  run<T>(envelope: Envelope, fn: () => T): T {
    return storage.run(envelope, fn);
  },
  current(): Envelope | undefined {
    return storage.getStore();
  },
  /** The current envelope, or an error: domain code that needs a merchant must run inside a call. */
  require(): Envelope {
    const env = storage.getStore();
    if (!env) throw new Error('No request context: called outside an HTTP request or RPC handler');
    return env;
  },
};
