/**
 * The message envelope: set once at the edge (HTTP forwarder) and carried by both transports as
 * message headers, so a request id, trace context, deadline and merchant follow a call across hops.
 */
export const ENVELOPE_HEADERS = {
  requestId: 'x-request-id',
  traceparent: 'traceparent',
  /** Absolute deadline, epoch milliseconds. Downstream work stops once it has passed. */
  deadline: 'x-deadline',
  merchantId: 'x-merchant-id',
  idempotencyKey: 'idempotency-key',
} as const;

export interface Envelope {
  requestId: string;
  traceparent?: string;
  /** Epoch milliseconds. */
  deadline: number;
  merchantId: string;
  idempotencyKey?: string;
}

export function envelopeToHeaders(env: Envelope): Record<string, string> {
  const h: Record<string, string> = {
    [ENVELOPE_HEADERS.requestId]: env.requestId,
    [ENVELOPE_HEADERS.deadline]: String(env.deadline),
    [ENVELOPE_HEADERS.merchantId]: env.merchantId,
  };
  if (env.traceparent) h[ENVELOPE_HEADERS.traceparent] = env.traceparent;
  if (env.idempotencyKey) h[ENVELOPE_HEADERS.idempotencyKey] = env.idempotencyKey;
  return h;
}

/** Reads an envelope back from headers; `get` is the header accessor of either transport. */
export function envelopeFromHeaders(get: (name: string) => string | undefined): Envelope | undefined {
  const requestId = get(ENVELOPE_HEADERS.requestId);
  const deadline = Number(get(ENVELOPE_HEADERS.deadline));
  const merchantId = get(ENVELOPE_HEADERS.merchantId);
  if (!requestId || !merchantId || !Number.isFinite(deadline)) return undefined;
  return {
    requestId,
    deadline,
    merchantId,
    traceparent: get(ENVELOPE_HEADERS.traceparent) || undefined,
    idempotencyKey: get(ENVELOPE_HEADERS.idempotencyKey) || undefined,
  };
}
