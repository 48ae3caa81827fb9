export const SERVICES = ['gateway', 'payments', 'fx', 'wallet', 'risk'] as const;
export type ServiceName = (typeof SERVICES)[number];
/** Services that answer RPC message patterns (the gateway only forwards). */
export type BackendService = Exclude<ServiceName, 'gateway'>;

/** The seed's ports; every one can be overridden by configuration (`<SERVICE>_PORT`). */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = {
  gateway: 8080,
  payments: 8081,
  fx: 8082,
  wallet: 8083,
  risk: 8084,
};

/** The merchant the internal service ports act for (no API key there, as in the seed's curls). */
export const DEMO_MERCHANT_ID = 'mer_demo';
