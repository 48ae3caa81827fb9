import { cpuPerRequest, machineTicks, parseProcStat, stealPercent } from './cpu';

describe('bench CPU accounting', () => {
  it("reads the machine's total and stolen ticks from /proc/stat's aggregate line", () => {
    const text = ['cpu  262263 5 35044 197282 4061 0 4907 12994 0 0', 'cpu0 131000 2 17000 98000 2000 0 2400 6500 0 0', 'intr 123'].join(
      '\n',
    );
    expect(parseProcStat(text)).toEqual({ total: 262263 + 5 + 35044 + 197282 + 4061 + 0 + 4907 + 12994, steal: 12994 });
    expect(parseProcStat('intr 1\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 3\n')).toBeUndefined();
  });

  it('gives the share stolen between two samples, in percent to one decimal', () => {
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 3000, steal: 110 })).toBe(5);
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 4000, steal: 30 })).toBe(0.7);
    // No time passed, or no /proc: no figure rather than a wrong one.
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 1000, steal: 10 })).toBeUndefined();
    expect(stealPercent(undefined, { total: 1000, steal: 10 })).toBeUndefined();
  });

  it('samples this machine (Linux)', () => {
    const t = machineTicks();
    expect(t).toBeDefined();
    expect(t!.total).toBeGreaterThan(0);
    expect(t!.steal).toBeGreaterThanOrEqual(0);
  });

  it('turns CPU seconds into milliseconds per request', () => {
    const before = { services: 1, postgres: 2, loadGenerator: 0.5 };
    const after = { services: 3, postgres: 3, loadGenerator: 1 };
    expect(cpuPerRequest(before, after, 1000)).toEqual({ services: 2, postgres: 1, loadGenerator: 0.5 });
    expect(cpuPerRequest(before, after, 0)).toBeUndefined();
  });
});
