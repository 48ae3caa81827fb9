import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The picture at the top of BENCHMARKS.md: every recorded bench run of the monolith's payments,
 * plotted against the same run's pgbench ceiling, with the issue's two floors for that row (800
 * payments/s, and a tenth of pgbench). Runs on a faster machine sit further right; the chart
 * shows how far each run was from each floor and that the rate follows the machine.
 * Data: docs/bench-history.json (recorded by hand from BENCHMARKS.md); output: an SVG, no
 * dependencies, the same bytes for the same data.
 */
export interface BenchRun {
  /** Which pass of BENCHMARKS.md (1 = the first performance pass). */
  pass: number;
  /** e.g. "2026-11-26 12:19". */
  at: string;
  cpu: 'Intel Xeon' | 'AMD EPYC';
  /** The ceiling: pgbench's bare two-row transfer, transactions/s, in the same run. */
  pgbench: number;
  /** Closed-loop payments/s through the monolith's gateway, in the same run. */
  payments: number;
}

export interface History {
  floors: { payments: number; shareOfPgbench: number };
  runs: BenchRun[];
}

const W = 760;
const H = 460;
const M = { left: 64, right: 24, top: 48, bottom: 56 };
const COLORS: Record<BenchRun['cpu'], string> = { 'Intel Xeon': '#1f77b4', 'AMD EPYC': '#2ca02c' };

/** A round step for about `n` ticks over [0, max]. */
function step(max: number, n: number): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function historyChartSvg(h: History): string {
  if (h.runs.length === 0) throw new Error('bench history: no runs to plot');
  const maxX = Math.max(...h.runs.map((r) => r.pgbench)) * 1.08;
  const maxY = Math.max(h.floors.payments, ...h.runs.map((r) => r.payments)) * 1.12;
  const sx = step(maxX, 6);
  const sy = step(maxY, 6);
  const xMax = Math.ceil(maxX / sx) * sx;
  const yMax = Math.ceil(maxY / sy) * sy;
  const px = (v: number) => M.left + (v / xMax) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom);
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Monolith payments/s against the same run's pgbench ceiling</text>`,
  );
  for (let x = 0; x <= xMax; x += sx) {
    out.push(
      `<line x1="${f(px(x))}" y1="${M.top}" x2="${f(px(x))}" y2="${H - M.bottom}" stroke="#e5e5e5"/>`,
      `<text x="${f(px(x))}" y="${H - M.bottom + 16}" text-anchor="middle">${x.toLocaleString('en-US')}</text>`,
    );
  }
  for (let y = 0; y <= yMax; y += sy) {
    out.push(
      `<line x1="${M.left}" y1="${f(py(y))}" x2="${W - M.right}" y2="${f(py(y))}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 8}" y="${f(py(y) + 4)}" text-anchor="end">${y.toLocaleString('en-US')}</text>`,
    );
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">pgbench bare two-row transfer, transactions/s (how fast the machine is)</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">payments/s (closed loop, 32 workers)</text>`,
  );
  // The floors: a fixed rate, and a share of the run's own ceiling (a line through the origin).
  const fy = py(h.floors.payments);
  out.push(
    `<line x1="${M.left}" y1="${f(fy)}" x2="${W - M.right}" y2="${f(fy)}" stroke="#d62728" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    `<text x="${W - M.right - 4}" y="${f(fy - 6)}" text-anchor="end" fill="#d62728">floor: ${h.floors.payments} payments/s</text>`,
  );
  const shareEndX = Math.min(xMax, yMax / h.floors.shareOfPgbench);
  const shareEnd = { x: px(shareEndX), y: py(shareEndX * h.floors.shareOfPgbench) };
  out.push(
    `<line x1="${f(px(0))}" y1="${f(py(0))}" x2="${f(shareEnd.x)}" y2="${f(shareEnd.y)}" stroke="#ff7f0e" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    `<text x="${f(shareEnd.x - 4)}" y="${f(shareEnd.y - 8)}" text-anchor="end" fill="#ff7f0e">floor: ${h.floors.shareOfPgbench} × pgbench</text>`,
  );
  for (const r of h.runs) {
    const cx = px(r.pgbench);
    const cy = py(r.payments);
    out.push(
      `<circle cx="${f(cx)}" cy="${f(cy)}" r="9" fill="${COLORS[r.cpu]}" fill-opacity="0.8"><title>${esc(
        `pass ${r.pass}, ${r.at}, ${r.cpu}: ${r.payments} payments/s, pgbench ${r.pgbench}`,
      )}</title></circle>`,
      `<text x="${f(cx)}" y="${f(cy + 4)}" text-anchor="middle" fill="#ffffff" font-size="10" font-weight="bold">${r.pass}</text>`,
    );
  }
  // Legend: the machines, and what the numbers in the dots are.
  let ly = M.top + 8;
  for (const cpu of Object.keys(COLORS) as Array<BenchRun['cpu']>) {
    out.push(
      `<circle cx="${M.left + 16}" cy="${ly}" r="6" fill="${COLORS[cpu]}" fill-opacity="0.8"/>`,
      `<text x="${M.left + 28}" y="${ly + 4}">2 × ${cpu} vCPU</text>`,
    );
    ly += 18;
  }
  out.push(`<text x="${M.left + 10}" y="${ly + 4}" fill="#555555">the number in a dot is its pass in BENCHMARKS.md</text>`, '</svg>', '');
  return out.join('\n');
}

/** Checks the history file's shape: a bad hand edit fails here, not as a broken picture. */
export function parseHistory(text: string): History {
  const h = JSON.parse(text) as History;
  if (!h.floors || !(h.floors.payments > 0) || !(h.floors.shareOfPgbench > 0)) throw new Error('bench history: floors missing');
  if (!Array.isArray(h.runs)) throw new Error('bench history: runs must be a list');
  for (const r of h.runs) {
    if (!Number.isInteger(r.pass) || !(r.pgbench > 0) || !(r.payments > 0) || !(r.cpu in COLORS) || typeof r.at !== 'string') {
      throw new Error(`bench history: bad run ${JSON.stringify(r)}`);
    }
  }
  return h;
}

export const HISTORY_JSON = 'docs/bench-history.json';
export const HISTORY_SVG = 'docs/bench-history.svg';

/** `paygate bench:chart`: docs/bench-history.json → docs/bench-history.svg. */
export async function run(argv: string[], root = process.cwd()): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `usage: npm run bench:chart\n\nRenders ${HISTORY_JSON} (the bench runs recorded in BENCHMARKS.md) as ${HISTORY_SVG}.\n`,
    );
    return 0;
  }
  const history = parseHistory(await readFile(join(root, HISTORY_JSON), 'utf8'));
  await writeFile(join(root, HISTORY_SVG), historyChartSvg(history));
  process.stdout.write(`${HISTORY_SVG}: ${history.runs.length} runs\n`);
  return 0;
}
