/**
 * The maths of `paygate risk:backtest`: replays labelled payments through the pure risk
 * engine, in file order, at a simulated arrival rate (so velocity windows mean something),
 * with the account history kept in memory with the same semantics as the service's
 * PostgreSQL read, and amounts normalised with a fixed rate snapshot (the bundled ECB
 * reference rates). Framework-free; the command does the I/O.
 */
import { MoneyError, parseAmount } from '@paygate/money';
import {
  InMemoryHistory,
  ReferenceConverter,
  evaluate,
  historyFor,
  historySpec,
  type PivotRates,
  type RiskDecision,
  type RiskFeatures,
  type RulesFile,
} from '../../../risk/src/domain';

export interface BacktestRow {
  id: string;
  currency: string;
  amount: string;
  source_account: string;
  destination_account: string;
}

export interface BacktestOptions {
  /** Simulated arrivals per second: row i arrives at i / rate seconds. */
  ratePerSecond: number;
  /** Rates used to normalise amounts into the rules' reference currency. */
  rates: PivotRates;
  /** How many rules to list by hits (default 10). */
  top?: number;
}

export type Counts = Record<RiskDecision, number>;

export interface RuleHits {
  code: string;
  weight: number;
  hits: number;
  fraud: number;
  legit: number;
  /** Share of the rule's hits that are fraud (null without hits). */
  precision: number | null;
}

export interface BacktestReport {
  rules_version: string;
  reference_currency: string;
  rate_per_second: number;
  /** Simulated time the rows span, seconds. */
  simulated_seconds: number;
  rows: number;
  /** Rows whose id repeats an earlier row: a retry is decided once, like the service, and counted once. */
  duplicates: number;
  /** Rows that could not be scored (bad amount or currency), skipped. */
  invalid: Array<{ id: string; problem: string }>;
  /** Rows whose currency had no rate (scored as unpriced). */
  unpriced: number;
  /** Fraud (labelled) vs legit (unlabelled) × decision. */
  matrix: { fraud: Counts; legit: Counts };
  /** flagged = REVIEW or DECLINE. */
  flagged: { fraud: number; legit: number };
  /** fraud flagged ÷ all flagged (null when nothing was flagged). */
  precision: number | null;
  /** fraud flagged ÷ all fraud (null without fraud rows). */
  recall: number | null;
  f1: number | null;
  /** REVIEW ÷ all rows: the manual review queue. */
  review_rate: number;
  /** DECLINE ÷ all rows. */
  decline_rate: number;
  /** (REVIEW + DECLINE) ÷ all rows. */
  flagged_rate: number;
  /** legit flagged ÷ all legit (null without legit rows). */
  false_positive_rate: number | null;
  /** Per fraud label (e.g. card_testing): rows, flagged, recall. */
  by_label: Record<string, { rows: number; flagged: number; recall: number }>;
  top_rules: RuleHits[];
}

const DECISIONS: readonly RiskDecision[] = ['DECLINE', 'REVIEW', 'APPROVE'];

const zero = (): Counts => ({ DECLINE: 0, REVIEW: 0, APPROVE: 0 });

/**
 * Scores `rows` in order. `labels` maps payment ids to a fraud label (e.g. `card_testing`);
 * rows without a label are legitimate.
 */
export function backtest(
  rows: Iterable<BacktestRow>,
  labels: ReadonlyMap<string, string>,
  rules: RulesFile,
  opts: BacktestOptions,
): BacktestReport {
  if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) throw new RangeError('ratePerSecond must be a positive number');
  const ref = rules.reference_currency;
  const fx = new ReferenceConverter(opts.rates, ref);
  const merged = historySpec([rules]);
  const history = new InMemoryHistory();
  const matrix = { fraud: zero(), legit: zero() };
  const byLabel = new Map<string, { rows: number; flagged: number }>();
  const hits = new Map<string, { fraud: number; legit: number }>(rules.rules.map((r) => [r.code, { fraud: 0, legit: 0 }]));
  const seen = new Set<string>();
  const invalid: Array<{ id: string; problem: string }> = [];
  let duplicates = 0;
  let unpriced = 0;
  let index = 0;

  for (const row of rows) {
    const at = (index++ * 1000) / opts.ratePerSecond;
    if (seen.has(row.id)) {
      duplicates++;
      continue;
    }
    seen.add(row.id);
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(row.amount, row.currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      invalid.push({ id: row.id, problem: e.message });
      continue;
    }
    const amountRefMinor = fx.convert(amountMinor, row.currency);
    if (amountRefMinor === undefined) unpriced++;
    const h = history.read(row.source_account, row.destination_account, at, merged.spec);
    const features: RiskFeatures = {
      account: row.source_account,
      destination: row.destination_account,
      currency: row.currency,
      amountMinor,
      ...historyFor(merged, rules, h),
    };
    if (amountRefMinor !== undefined) features.amountRefMinor = amountRefMinor;
    const a = evaluate(rules, features);
    history.record(row.source_account, { at, destination: row.destination_account, referenceCurrency: ref, amountRefMinor });

    const label = labels.get(row.id);
    const side = label === undefined ? 'legit' : 'fraud';
    matrix[side][a.decision]++;
    const flagged = a.decision !== 'APPROVE';
    if (label !== undefined) {
      const l = byLabel.get(label) ?? { rows: 0, flagged: 0 };
      l.rows++;
      if (flagged) l.flagged++;
      byLabel.set(label, l);
    }
    for (const r of a.reasons) hits.get(r.code)![side]++;
  }

  return report(rules, opts, { matrix, byLabel, hits, duplicates, unpriced, invalid, rows: index });
}

function report(
  rules: RulesFile,
  opts: BacktestOptions,
  s: {
    matrix: { fraud: Counts; legit: Counts };
    byLabel: Map<string, { rows: number; flagged: number }>;
    hits: Map<string, { fraud: number; legit: number }>;
    duplicates: number;
    unpriced: number;
    invalid: Array<{ id: string; problem: string }>;
    rows: number;
  },
): BacktestReport {
  const { matrix } = s;
  const sum = (c: Counts) => DECISIONS.reduce((n, d) => n + c[d], 0);
  const fraud = sum(matrix.fraud);
  const legit = sum(matrix.legit);
  const scored = fraud + legit;
  const tp = matrix.fraud.REVIEW + matrix.fraud.DECLINE;
  const fp = matrix.legit.REVIEW + matrix.legit.DECLINE;
  const precision = tp + fp > 0 ? tp / (tp + fp) : null;
  const recall = fraud > 0 ? tp / fraud : null;
  const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
  const ratio = (n: number) => (scored > 0 ? n / scored : 0);
  const top = rules.rules
    .map((r): RuleHits => {
      const h = s.hits.get(r.code)!;
      const n = h.fraud + h.legit;
      return { code: r.code, weight: r.weight, hits: n, fraud: h.fraud, legit: h.legit, precision: n > 0 ? h.fraud / n : null };
    })
    .filter((r) => r.hits > 0)
    .sort((a, b) => b.hits - a.hits || (a.code < b.code ? -1 : 1))
    .slice(0, opts.top ?? 10);
  return {
    rules_version: rules.version,
    reference_currency: rules.reference_currency,
    rate_per_second: opts.ratePerSecond,
    simulated_seconds: s.rows > 0 ? (s.rows - 1) / opts.ratePerSecond : 0,
    rows: s.rows,
    duplicates: s.duplicates,
    invalid: s.invalid,
    unpriced: s.unpriced,
    matrix,
    flagged: { fraud: tp, legit: fp },
    precision,
    recall,
    f1,
    review_rate: ratio(matrix.fraud.REVIEW + matrix.legit.REVIEW),
    decline_rate: ratio(matrix.fraud.DECLINE + matrix.legit.DECLINE),
    flagged_rate: ratio(tp + fp),
    false_positive_rate: legit > 0 ? fp / legit : null,
    by_label: Object.fromEntries(
      [...s.byLabel.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { ...v, recall: v.flagged / v.rows }]),
    ),
    top_rules: top,
  };
}

/** The report as text for a terminal. */
export function formatReport(r: BacktestReport, source: { csv: string; labels?: string; rates: string }): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);
  const dec = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const pad = (v: string | number, w: number) => String(v).padStart(w);
  const row = (name: string, c: Counts) =>
    `  ${name.padEnd(8)}${pad(c.DECLINE, 9)}${pad(c.REVIEW, 9)}${pad(c.APPROVE, 9)}${pad(c.DECLINE + c.REVIEW + c.APPROVE, 9)}`;
  const total: Counts = {
    DECLINE: r.matrix.fraud.DECLINE + r.matrix.legit.DECLINE,
    REVIEW: r.matrix.fraud.REVIEW + r.matrix.legit.REVIEW,
    APPROVE: r.matrix.fraud.APPROVE + r.matrix.legit.APPROVE,
  };
  const scored = total.DECLINE + total.REVIEW + total.APPROVE;
  const fraud = r.matrix.fraud.DECLINE + r.matrix.fraud.REVIEW + r.matrix.fraud.APPROVE;
  const lines = [
    `risk backtest: rules ${r.rules_version} (reference ${r.reference_currency}) on ${source.csv}${source.labels ? ` with labels ${source.labels}` : ' (no labels: every row legit)'}`,
    `  ${r.rows} rows at ${r.rate_per_second}/s (${r.simulated_seconds.toFixed(0)} s simulated); FX: ${source.rates}` +
      `${r.unpriced ? `; ${r.unpriced} unpriced` : ''}${r.duplicates ? `; ${r.duplicates} repeated ids counted once` : ''}` +
      `${r.invalid.length ? `; ${r.invalid.length} invalid rows skipped (first: ${r.invalid[0].id}: ${r.invalid[0].problem})` : ''}`,
    '',
    `  ${''.padEnd(8)}${pad('DECLINE', 9)}${pad('REVIEW', 9)}${pad('APPROVE', 9)}${pad('total', 9)}`,
    row('fraud', r.matrix.fraud),
    row('legit', r.matrix.legit),
    row('total', total),
    '',
    '  flagged = REVIEW or DECLINE',
    `  precision          ${dec(r.precision)}   (${r.flagged.fraud} of ${r.flagged.fraud + r.flagged.legit} flagged rows are fraud)`,
    `  recall             ${dec(r.recall)}   (${r.flagged.fraud} of ${fraud} fraud rows flagged)`,
    `  F1                 ${dec(r.f1)}`,
    `  review rate        ${pct(r.review_rate)}   (${total.REVIEW} REVIEW of ${scored})`,
    `  decline rate       ${pct(r.decline_rate)}   (${total.DECLINE} DECLINE)`,
    `  flagged rate       ${pct(r.flagged_rate)}`,
    `  false positives    ${pct(r.false_positive_rate)} of legit rows flagged (${r.flagged.legit})`,
  ];
  const labels = Object.entries(r.by_label);
  if (labels.length > 0) {
    lines.push('', '  recall by label:');
    const w = Math.max(...labels.map(([k]) => k.length));
    for (const [k, v] of labels) lines.push(`    ${k.padEnd(w)}  ${pad(v.flagged, 6)} of ${pad(v.rows, 6)}  ${pct(v.recall)}`);
  }
  if (r.top_rules.length > 0) {
    const w = Math.max(4, ...r.top_rules.map((t) => t.code.length));
    lines.push('', '  top rules by hits:', `    ${'rule'.padEnd(w)}  weight    hits   fraud   legit  precision`);
    for (const t of r.top_rules) {
      lines.push(
        `    ${t.code.padEnd(w)}  ${pad(t.weight, 6)}${pad(t.hits, 8)}${pad(t.fraud, 8)}${pad(t.legit, 8)}  ${pad(dec(t.precision), 9)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
