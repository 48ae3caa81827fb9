import { ProcessMetrics } from './process-metrics';

describe('ProcessMetrics: Node process metrics once per process', () => {
  it('a standalone service owns its process metrics, labelled with its name', async () => {
    const pm = new ProcessMetrics();
    pm.host('fx');
    const text = await pm.metricsFor('fx');
    expect(text).toMatch(/^process_resident_memory_bytes\{service="fx",services="fx"\} \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes\{service="fx",services="fx"\} \d/m);
  });

  it('five services in one process: only the gateway’s port shows them, listing the five', async () => {
    const pm = new ProcessMetrics();
    const release: Record<string, () => void> = {};
    for (const s of ['wallet', 'fx', 'risk', 'payments', 'gateway']) release[s] = pm.host(s);
    expect(pm.owner()).toBe('gateway');
    for (const s of ['wallet', 'fx', 'risk', 'payments']) expect(await pm.metricsFor(s)).toBe('');
    const text = await pm.metricsFor('gateway');
    expect(text.match(/^process_resident_memory_bytes\{.*$/gm)).toEqual([
      expect.stringMatching(/^process_resident_memory_bytes\{service="gateway",services="fx,gateway,payments,risk,wallet"\} \d/),
    ]);
    // The gateway closes: the first service still running takes over.
    release.gateway();
    expect(pm.owner()).toBe('wallet');
    expect(await pm.metricsFor('wallet')).toMatch(/services="fx,payments,risk,wallet"/);
    release.wallet();
    expect(pm.owner()).toBe('fx');
  });

  it('exposes no gauge named _total (promtool check metrics)', async () => {
    const pm = new ProcessMetrics();
    pm.host('risk');
    const text = await pm.metricsFor('risk');
    expect(text).not.toMatch(/^# TYPE \S+_total gauge/m);
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge/m);
  });
});
