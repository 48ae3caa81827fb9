import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Node process metrics (prom-client's default metrics: CPU, memory, heap, event-loop lag, GC,
 * handles), collected ONCE per process and exposed on ONE port of it.
 *
 * A standalone service is one process: its own /metrics shows them with its `service` label.
 * The monolith hosts five services in one process; exposing the process' CPU and memory on
 * all five ports would make `sum by (service)` count the same process five times. So they
 * appear only on the owner's port: the gateway when it lives in this process (the process'
 * front door), otherwise the first service that started and still runs. A `services` label
 * lists the services sharing the process (sorted, comma-separated: bounded), so a dashboard
 * shows "gateway (fx,gateway,payments,risk,wallet)" for the monolith instead of a lie.
 */
export class ProcessMetrics {
  private registry: Registry | undefined;
  private readonly hosted: string[] = [];

  /** Registers a service of this process; returns its release (call when its app closes). */
  host(service: string): () => void {
    this.hosted.push(service);
    return () => {
      const i = this.hosted.indexOf(service);
      if (i >= 0) this.hosted.splice(i, 1);
    };
  }

  /** The service whose /metrics carries the process metrics (undefined when none is hosted). */
  owner(): string | undefined {
    return this.hosted.includes('gateway') ? 'gateway' : this.hosted[0];
  }

  /** The sorted, de-duplicated services of this process. */
  services(): string[] {
    return [...new Set(this.hosted)].sort();
  }

  /** The process metrics in the text format when `service` owns them, else ''. */
  async metricsFor(service: string): Promise<string> {
    if (this.owner() !== service) return '';
    const registry = this.registryOf();
    registry.setDefaultLabels({ service, services: this.services().join(',') });
    return registry.metrics();
  }

  private registryOf(): Registry {
    if (!this.registry) {
      this.registry = new Registry();
      collectDefaultMetrics({ register: this.registry });
      // Gauges named `_total` break the exposition conventions (`promtool check metrics`); the same
      // figures stay available by type: nodejs_active_handles{type}, nodejs_active_requests{type}, …
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
    return this.registry;
  }
}

/** The one instance of this process (module state: one per process, as the metrics are). */
export const processMetrics = new ProcessMetrics();
