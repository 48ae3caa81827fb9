import type { LoadResult } from './runner';

/** A duration option: `500ms`, `30s`, `2m` (bare numbers are seconds). */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 500ms, 30s, 2m`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

function mix(counts: Record<string, number>, total: number): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '-';
  return entries.map(([k, n]) => `${k} ${n} (${((100 * n) / Math.max(1, total)).toFixed(1)}%)`).join(', ');
}

/** The human summary of a run. */
export function formatResult(label: string, r: LoadResult): string {
  const offered = r.offeredRate === null ? 'closed loop' : `${r.offeredRate} req/s`;
  return [
    `${label}: ${r.target}, ${r.discipline} loop, ${r.durationS} s` +
      (r.warmup.ms > 0 ? ` (after a ${r.warmup.ms / 1000} s warm-up: ${r.warmup.completed} requests not counted)` : ''),
    table([
      ['offered', offered],
      [
        'achieved',
        `${r.achievedRate} req/s (${r.completed} completed of ${r.sent} sent${r.dropped ? `, ${r.dropped} not sent: client saturated` : ''})`,
      ],
      [
        'latency ms',
        `p50 ${r.latencyMs.p50}  p95 ${r.latencyMs.p95}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}  mean ${r.latencyMs.mean}`,
      ],
      ['HTTP status', mix(r.statuses, r.completed)],
      ['outcome', mix(r.outcomes, r.completed)],
      ['transport errors', String(r.errors)],
      ...slowestSeconds(r),
    ]),
  ].join('\n');
}

/** The seconds with the worst p99, when the tail is bunched in time (a stall) rather than spread. */
function slowestSeconds(r: LoadResult): [string, string][] {
  if (r.timeline.length < 3) return [];
  const worst = [...r.timeline].sort((a, b) => b.p99 - a.p99).slice(0, 3);
  return [['slowest seconds', worst.map((s) => `t=${s.second}s p99 ${s.p99} (${s.completed} done)`).join(', ')]];
}

/** The live progress line. */
export function progressLine(p: { elapsedMs: number; sent: number; completed: number; inFlight: number; errors: number }): string {
  const s = Math.max(0.001, p.elapsedMs / 1000);
  return `[${s.toFixed(0).padStart(4)}s] sent ${p.sent}  done ${p.completed}  in flight ${p.inFlight}  errors ${p.errors}  ${(p.completed / s).toFixed(0)} req/s`;
}
