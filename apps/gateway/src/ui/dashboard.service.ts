import { Injectable } from '@nestjs/common';
import { ServiceName } from '@paygate/contracts';
import { LATENCY_BUCKETS } from '@paygate/metrics';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { ServiceTraffic, trafficFromMetrics } from './prometheus-text';

const SERVICES: ServiceName[] = ['gateway', 'payments', 'fx', 'wallet', 'risk'];
/** How long one service may take to answer a scrape or a health check. */
const PROBE_TIMEOUT_MS = 3000;
/** Page loads within this share one gathering (several open pages cost one scrape per service). */
const SUMMARY_TTL_MS = 500;
/** How long a Grafana reachability answer is reused. */
const GRAFANA_TTL_MS = 10_000;

export type ServiceHealth = 'up' | 'down' | 'unreachable';

export interface ServiceSummary {
  service: ServiceName;
  health: ServiceHealth;
  /** Null when its /metrics did not answer. */
  traffic: ServiceTraffic | null;
}

export interface DashboardSummary {
  at: string;
  latency_bounds: number[];
  services: ServiceSummary[];
}

/** `0.0.0.0`/`::` mean "every interface": reach them on loopback. */
function reachableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * What the dashboard page shows of the services, gathered over HTTP from each service's own
 * `/metrics` and `/healthz` (the same in the monolith and as separate services; in a compose
 * network DASHBOARD_SERVICE_URLS names the hosts). Only aggregate numbers leave: per service a
 * health word, request and failure counts and a latency histogram, with no route, merchant,
 * error message or process detail.
 */
@Injectable()
export class DashboardService {
  private summaryCache?: { at: number; value: Promise<DashboardSummary> };
  private grafanaCache?: { at: number; value: Promise<boolean> };

  constructor(@InjectRuntimeConfig() private readonly rt: RuntimeConfig) {}

  /** Base URL of each service's HTTP port. */
  targets(): Record<ServiceName, string> {
    const out = {} as Record<ServiceName, string>;
    for (const s of SERVICES) {
      const host = reachableHost(s === 'gateway' ? this.rt.gatewayHost : this.rt.serviceHost);
      out[s] = this.rt.dashboardServiceUrls?.[s] ?? `http://${host}:${this.rt.ports[s]}`;
    }
    return out;
  }

  summary(): Promise<DashboardSummary> {
    const now = Date.now();
    if (!this.summaryCache || now - this.summaryCache.at > SUMMARY_TTL_MS) {
      this.summaryCache = { at: now, value: this.gather() };
    }
    return this.summaryCache.value;
  }

  /**
   * The Grafana base URL (GRAFANA_URL, what the browser frames) when it answers `/api/health`
   * from here (or GRAFANA_HEALTH_URL, when the gateway reaches Grafana by another name, as in
   * compose); undefined otherwise.
   */
  async grafana(): Promise<string | undefined> {
    const url = this.rt.http?.grafanaUrl?.replace(/\/+$/, '');
    if (!url) return undefined;
    const check = (this.rt.grafanaHealthUrl ?? url).replace(/\/+$/, '');
    const now = Date.now();
    if (!this.grafanaCache || now - this.grafanaCache.at > GRAFANA_TTL_MS) {
      this.grafanaCache = { at: now, value: this.answers(`${check}/api/health`) };
    }
    return (await this.grafanaCache.value) ? url : undefined;
  }

  private async gather(): Promise<DashboardSummary> {
    const targets = this.targets();
    const services = await Promise.all(
      SERVICES.map(async (service): Promise<ServiceSummary> => {
        const [health, traffic] = await Promise.all([this.health(targets[service]), this.traffic(targets[service])]);
        return { service, health, traffic };
      }),
    );
    return { at: new Date().toISOString(), latency_bounds: [...LATENCY_BUCKETS], services };
  }

  private async health(base: string): Promise<ServiceHealth> {
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.arrayBuffer();
      return res.ok ? 'up' : 'down';
    } catch {
      return 'unreachable';
    }
  }

  private async traffic(base: string): Promise<ServiceTraffic | null> {
    try {
      const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const text = await res.text();
      return res.ok ? trafficFromMetrics(text, LATENCY_BUCKETS) : null;
    } catch {
      return null;
    }
  }

  private async answers(url: string): Promise<boolean> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }
}
