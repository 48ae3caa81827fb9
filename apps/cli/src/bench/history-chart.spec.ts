import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_JSON, HISTORY_SVG, History, historyChartSvg, parseHistory } from './history-chart';

const root = join(__dirname, '../../../..');

const sample: History = {
  floors: { payments: 800, shareOfPgbench: 0.1 },
  runs: [
    { pass: 1, at: '2026-11-25 night', cpu: 'Intel Xeon', pgbench: 7314, payments: 189 },
    { pass: 2, at: '2026-11-26 after midnight', cpu: 'AMD EPYC', pgbench: 10955, payments: 703 },
  ],
};

describe('bench history chart', () => {
  it('draws one labelled dot per run, both floors and a legend per machine', () => {
    const svg = historyChartSvg(sample);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<circle [^>]*r="9"/g)).toHaveLength(2);
    expect(svg).toContain('<title>pass 2, 2026-11-26 after midnight, AMD EPYC: 703 payments/s, pgbench 10955</title>');
    expect(svg).toContain('floor: 800 payments/s');
    expect(svg).toContain('floor: 0.1 × pgbench');
    expect(svg).toContain('2 × Intel Xeon vCPU');
    expect(svg).toContain('2 × AMD EPYC vCPU');
  });

  it('puts a run above the rate floor above its line, and one below it below', () => {
    const svg = historyChartSvg({ ...sample, runs: [...sample.runs, { pass: 3, at: 'x', cpu: 'AMD EPYC', pgbench: 5000, payments: 900 }] });
    const floorY = Number(/<line [^>]*y1="([\d.]+)"[^>]*stroke="#d62728"/.exec(svg)![1]);
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)" r="9"/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBeGreaterThan(floorY); // 189/s: below the floor (SVG y grows downwards)
    expect(ys[2]).toBeLessThan(floorY); // 900/s: above it
  });

  it('refuses a history it cannot plot', () => {
    expect(() => parseHistory('{"floors":{"payments":800,"shareOfPgbench":0.1},"runs":[{"pass":1}]}')).toThrow(/bad run/);
    expect(() => parseHistory('{"runs":[]}')).toThrow(/floors/);
    expect(() => historyChartSvg({ ...sample, runs: [] })).toThrow(/no runs/);
  });

  it('the committed picture is the committed data (npm run bench:chart after editing the history)', () => {
    const history = parseHistory(readFileSync(join(root, HISTORY_JSON), 'utf8'));
    expect(readFileSync(join(root, HISTORY_SVG), 'utf8')).toBe(historyChartSvg(history));
  });
});
