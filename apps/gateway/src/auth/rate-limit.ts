/**
 * Per-key rate limiting: a token bucket of `burst` requests refilled at `perSec` per second,
 * computed as GCRA (the generic cell rate algorithm). The whole state of a bucket is one number,
 * its theoretical arrival time (TAT, microseconds): that makes the check one atomic
 * read-compute-write, identical in memory and in the Redis Lua script below.
 *
 * Framework-free: the memory store, the Redis store and the guard all use `gcra`.
 */

export interface RateLimit {
  /** Sustained requests per second; 0 means no limit. */
  perSec: number;
  /** Requests allowed at once (the bucket's size), at least 1. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The bucket's size (the `RateLimit-Limit` header). */
  limit: number;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** When denied: microseconds until one request is allowed again. 0 when allowed. */
  retryAfterUs: number;
  /** Microseconds until the bucket is full again (the `RateLimit-Reset` header). */
  resetUs: number;
}

export interface GcraResult {
  decision: RateDecision;
  /** The bucket's new TAT to store (unchanged when denied). */
  tat: number;
}

/** Microseconds between two requests at the sustained rate. */
export function emissionIntervalUs(limit: RateLimit): number {
  return Math.max(1, Math.round(1_000_000 / limit.perSec));
}

/**
 * One request against a bucket at `nowUs`, whose stored TAT is `storedTat` (undefined: a fresh,
 * full bucket). Allowed when the bucket, refilled up to now, holds at least one token.
 */
export function gcra(storedTat: number | undefined, nowUs: number, limit: RateLimit): GcraResult {
  const t = emissionIntervalUs(limit);
  const burst = Math.max(1, Math.floor(limit.burst));
  const tat = storedTat === undefined || storedTat < nowUs ? nowUs : storedTat;
  const newTat = tat + t;
  const allowAt = newTat - burst * t;
  if (nowUs < allowAt) {
    return {
      tat,
      decision: { allowed: false, limit: burst, remaining: 0, retryAfterUs: allowAt - nowUs, resetUs: tat - nowUs },
    };
  }
  return {
    tat: newTat,
    decision: { allowed: true, limit: burst, remaining: Math.floor((nowUs - allowAt) / t), retryAfterUs: 0, resetUs: newTat - nowUs },
  };
}

/** The same algorithm for Redis, with Redis's own clock so every gateway replica agrees. */
export const GCRA_LUA = `
local t = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then
  local s = tonumber(stored)
  if s and s > now then tat = s end
end
local newTat = tat + t
local allowAt = newTat - burst * t
if now < allowAt then
  return {0, 0, allowAt - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1)
return {1, math.floor((now - allowAt) / t), 0, newTat - now}
`;

/** Whole seconds for the headers, rounded up (a client waiting that long is never early). */
export function toSeconds(us: number): number {
  return Math.ceil(us / 1_000_000);
}

/** The response headers of a decision: IETF draft `RateLimit-*` fields, and `Retry-After` when denied. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  const h: Record<string, string> = {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(toSeconds(d.resetUs)),
  };
  if (!d.allowed) h['Retry-After'] = String(Math.max(1, toSeconds(d.retryAfterUs)));
  return h;
}

/** The limit of one key: its own override where it has one, else the gateway's default. */
export function effectiveLimit(defaults: RateLimit, override: { perSec?: number | null; burst?: number | null }): RateLimit {
  const perSec = override.perSec ?? defaults.perSec;
  const burst = override.burst ?? (override.perSec != null ? Math.max(1, override.perSec) : defaults.burst);
  return { perSec, burst: Math.max(1, burst) };
}
