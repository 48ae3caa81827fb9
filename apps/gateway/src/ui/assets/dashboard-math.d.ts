/** Types of dashboard-math.js (the page's arithmetic, shared with its unit tests). */
export interface SummaryLike {
  at: string;
  latency_bounds: number[];
  services: Array<{ service: string; traffic: { requests: number; failed: number; latency: number[] } | null }>;
}
export interface ChartPoint {
  rps: number | null;
  errorPct: number | null;
  p95Ms: number | null;
}
export function increase(before: number, after: number): number;
export function quantileBetween(q: number, bounds: readonly number[], before: readonly number[], after: readonly number[]): number | null;
export function pointsBetween(older: SummaryLike, newer: SummaryLike): Record<string, ChartPoint>;
export function crossRate(rates: Record<string, string>, base: string, quote: string): number | null;
