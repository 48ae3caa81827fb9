/** A small JSON client for the setup calls around a load run (funding, probes), on Node's fetch. */
export class Api {
  constructor(
    readonly base: URL,
    private readonly key?: string,
  ) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

export interface Endpoints {
  /** Where the load goes. */
  target: Api;
  /** Where wallet routes (balances, deposits) answer. */
  wallet: Api;
  /** Where fx routes answer. */
  fx: Api;
  /** True when the target is the gateway (every route, with the key). */
  gateway: boolean;
}

/**
 * The gateway answers every route (with a key); a service port only its own. A target that does
 * not know `/balance/…` is a service port, and the other services are found on the seed's ports.
 */
export async function resolveEndpoints(target: URL, key: string | undefined, given: { wallet?: URL; fx?: URL } = {}): Promise<Endpoints> {
  const api = new Api(target, key);
  const probe = await api.call<{ error?: { code?: string } }>('GET', '/balance/ACC_SRC_0000');
  if (probe.status === 200 || probe.body?.error?.code === 'ACCOUNT_NOT_FOUND') return { target: api, wallet: api, fx: api, gateway: true };
  const on = (port: number) => {
    const u = new URL(target.origin);
    u.port = String(port);
    return new Api(u);
  };
  return {
    target: api,
    wallet: given.wallet ? new Api(given.wallet) : on(8083),
    fx: given.fx ? new Api(given.fx) : on(8082),
    gateway: false,
  };
}
