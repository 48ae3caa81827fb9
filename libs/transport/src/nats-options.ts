/**
 * The options of every NATS connection of a service:
 * - it keeps trying to reconnect, forever, every half second: an outage of any length ends when
 *   NATS is back (nats.js gives up after 10 attempts, ~20 s, by default, and a closed connection
 *   never comes back). Requests meanwhile fail at their deadline;
 * - no async traces: by default nats.js builds two `Error`s per request, in case it fails, to
 *   append the caller's stack to the failure (a stack capture each, on every request). Our calls
 *   turn every failure into a domain error that names the pattern, so those stacks were never read.
 */
export const NATS_CONNECTION_OPTIONS = { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true } as const;
