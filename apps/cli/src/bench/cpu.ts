import { readFileSync, readdirSync } from 'node:fs';

/** CPU seconds used so far by: the given processes, every PostgreSQL process, and this one. */
export interface CpuSample {
  services: number;
  postgres: number;
  loadGenerator: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * utime + stime of a process in seconds, plus (`withReaped`) the CPU of its children that have
 * exited (cutime + cstime): 0 when it is gone or /proc is not there.
 */
function processSeconds(pid: number, withReaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    const reaped = withReaped ? Number(fields[13]) + Number(fields[14]) : 0;
    return (own + reaped) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function postgresSeconds(): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Backends come and go: the postmaster's reaped-children time keeps the ones that exited.
      if (readFileSync(`/proc/${name}/comm`, 'utf8').startsWith('postgres')) total += processSeconds(Number(name), true);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * Where the CPU goes during a scenario: the services' processes, PostgreSQL (all its backends
 * and helpers: the bench's database is the only busy one) and the load generator (this process).
 * Linux /proc only; elsewhere every figure is 0 and the table leaves the column empty.
 */
export function cpuSample(servicePids: readonly number[]): CpuSample {
  const own = process.cpuUsage();
  return {
    services: servicePids.reduce((sum, pid) => sum + processSeconds(pid), 0),
    postgres: postgresSeconds(),
    loadGenerator: (own.user + own.system) / 1e6,
  };
}

/** CPU milliseconds per completed request between two samples, by consumer. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuSample | undefined {
  if (requests <= 0 || after.postgres === 0) return undefined;
  const per = (a: number, b: number) => Math.round(((b - a) * 1e6) / requests) / 1000;
  return {
    services: per(before.services, after.services),
    postgres: per(before.postgres, after.postgres),
    loadGenerator: per(before.loadGenerator, after.loadGenerator),
  };
}

/** The whole machine's CPU time so far, in ticks: all of it, and the part the hypervisor gave to others. */
export interface MachineTicks {
  total: number;
  steal: number;
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal (guest time is inside user). */
export function parseProcStat(text: string): MachineTicks | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if ([user, nice, system, idle, iowait, irq, softirq, steal].some((n) => !Number.isFinite(n))) return undefined;
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, steal };
}

export function machineTicks(): MachineTicks | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Percent of the machine's CPU time that the hypervisor gave to other guests between two
 * samples (a shared VM's "steal"): every figure of a run with a high share is noisy.
 */
export function stealPercent(before: MachineTicks | undefined, after: MachineTicks | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return Math.round((1000 * (after.steal - before.steal)) / (after.total - before.total)) / 10;
}
