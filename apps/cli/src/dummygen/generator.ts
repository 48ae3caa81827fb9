/**
 * The dummy-transaction generator behind `paygate dummygen` (the seed's `tools/cmd/dummygen`):
 * a seeded, framework-free, lazy stream of rows in the seed's CSV format
 * `id,currency,amount,source_account,destination_account`, e.g.
 * `PAY-000001,IDR,188.52,ACC_SRC_5081,ACC_DST_1228`, optionally with labelled fraud patterns.
 *
 * Everything random comes from one seeded PRNG (sfc32 seeded by the cyrb128 hash of the seed
 * text), so the same seed and options give the same rows, byte for byte, on any machine.
 * Amounts are sampled as floats (a random sample is not money), rounded to an integer number
 * of minor units and formatted only by `@paygate/money`'s `formatAmount`.
 *
 * Memory is bounded whatever the row count: the state is the PRNG, a few lookup tables over
 * the 10,000 + 10,000 demo accounts and the pattern in progress.
 */
import { DEMO_CURRENCIES, DEMO_RANGES, demoAccountId } from '@paygate/contracts/demo';
import { currencyExponent, formatAmount } from '@paygate/money';
import { cyrb128 } from '../../../fx/src/domain/providers/prng';

export type DemoCurrency = (typeof DEMO_CURRENCIES)[number];

/** The seed's header, in the seed's column order. */
export const CSV_COLUMNS = ['id', 'currency', 'amount', 'source_account', 'destination_account'] as const;
export const LABEL_COLUMNS = ['id', 'label', 'pattern_id'] as const;

export const FRAUD_PATTERNS = ['card_testing', 'account_takeover', 'structuring'] as const;
export type FraudPattern = (typeof FRAUD_PATTERNS)[number];

/** Highest accepted `fraudRate`: beyond this the file is no longer mostly ordinary traffic. */
export const MAX_FRAUD_RATE = 0.5;
/** Payment ids are `PAY-` + at least this many digits (`PAY-000001`), more when the last id needs them. */
export const MIN_ID_DIGITS = 6;

export interface CurrencyProfile {
  /** Share of ordinary rows in this currency (the weights sum to 1). */
  weight: number;
  /** Median of an ordinary payment, in major units of the currency itself. */
  median: number;
  /** Spread of the log-normal (σ of ln amount): 1.1 puts ~7% of payments above 5× the median. */
  sigma: number;
  /** Clamp for ordinary payments, major units (~1 USD and ~20,000 USD worth). */
  min: number;
  max: number;
  /** Ordinary amounts are whole multiples of this many minor units (IDR: whole rupiah). */
  stepMinor: number;
  /** What reads as a round amount in this currency, major units (100 USD, 10,000 JPY, 1,000,000 IDR). */
  roundStep: number;
}

/**
 * The currency mix and amount distributions of ordinary payments. The mix leans on USD and
 * EUR with a large IDR share (the seed's home market); GBP is included on purpose: the demo
 * sources do not hold GBP, so those payments are debited from the source's USD default
 * through one FX conversion, as DESIGN §4 describes. Every max is ~20,000 USD worth: above
 * the risk rules' 5,000 USD review threshold (so the long tail sometimes reviews) and below
 * their 25,000 USD decline, and tiny next to the demo sources' funds (≥ ~1,000,000 USD worth
 * per currency), so ordinary rows are payable.
 */
export const CURRENCY_PROFILES: Readonly<Record<DemoCurrency, CurrencyProfile>> = {
  USD: { weight: 0.35, median: 120, sigma: 1.1, min: 1, max: 20_000, stepMinor: 1, roundStep: 100 },
  EUR: { weight: 0.2, median: 100, sigma: 1.1, min: 1, max: 19_000, stepMinor: 1, roundStep: 100 },
  IDR: { weight: 0.2, median: 1_500_000, sigma: 1.2, min: 10_000, max: 320_000_000, stepMinor: 100, roundStep: 1_000_000 },
  SGD: { weight: 0.1, median: 150, sigma: 1.0, min: 1, max: 27_000, stepMinor: 1, roundStep: 100 },
  GBP: { weight: 0.08, median: 90, sigma: 1.1, min: 1, max: 16_000, stepMinor: 1, roundStep: 100 },
  JPY: { weight: 0.07, median: 15_000, sigma: 1.0, min: 100, max: 3_100_000, stepMinor: 1, roundStep: 10_000 },
};

/**
 * Units of each currency per 1 USD, from the ECB reference rates of 2024-12-31 that the FX
 * service bundles (`X per EUR ÷ 1.0389 USD per EUR`). Only used to aim fraud amounts at
 * USD-worth targets (tiny card tests, structuring just under 5,000 USD); approximate by nature.
 */
export const APPROX_UNITS_PER_USD: Readonly<Record<DemoCurrency, number>> = {
  USD: 1,
  EUR: 0.96256,
  IDR: 16_190.2,
  SGD: 1.36337,
  JPY: 156.954,
  GBP: 0.79813,
};

/**
 * Account reuse. Ordinary payers: 30% of rows come from a "hot set" of 200 sources (Zipf
 * s = 0.8 inside the set, so the hottest source pays ~3% of all rows), the rest uniformly
 * from all 10,000. Payees (merchants) are hotter: 40% of rows go to 100 hot destinations
 * (Zipf s = 1.0, the hottest ~8%). Hot accounts are drawn from the ranges by the seed.
 */
export const ACCOUNT_SKEW = {
  source: { hotShare: 0.3, hotCount: 200, zipfS: 0.8 },
  destination: { hotShare: 0.4, hotCount: 100, zipfS: 1.0 },
} as const;

/**
 * Fraud patterns, each emitted as consecutive rows sharing a `pattern_id`:
 * - card_testing: one source probing many distinct destinations with tiny amounts
 *   (0.50–3.00 USD worth), 8–20 rows in a burst (trips the velocity rules when replayed fast);
 * - account_takeover: a quiet source (not seen earlier in the file, outside the hot set)
 *   suddenly sending 3–6 large amounts (2,000–12,000 USD worth) to one new destination;
 * - structuring: one source sending 3–6 amounts just under the 5,000 USD review threshold
 *   (4,900.00–4,989.99 USD worth) to one or two destinations.
 * `share` is the probability a started pattern is of that kind.
 */
export const PATTERN_PROFILES: Readonly<Record<FraudPattern, { share: number; minRows: number; maxRows: number; prefix: string }>> = {
  card_testing: { share: 0.4, minRows: 8, maxRows: 20, prefix: 'CT' },
  account_takeover: { share: 0.3, minRows: 3, maxRows: 6, prefix: 'ATO' },
  structuring: { share: 0.3, minRows: 3, maxRows: 6, prefix: 'ST' },
};

export const CARD_TEST_USD = { min: 0.5, max: 3 } as const;
export const TAKEOVER_USD = { min: 2_000, max: 12_000 } as const;
/** Structuring amounts stay 10 USD under the threshold so small rate moves keep them under it. */
export const STRUCTURING_USD = { min: 4_900, max: 4_990, threshold: 5_000 } as const;

export interface DummyRow {
  id: string;
  currency: DemoCurrency;
  amount: string;
  source_account: string;
  destination_account: string;
  /** Set on rows of an injected fraud pattern (goes to the labels file, never to the main CSV). */
  label?: FraudPattern;
  pattern_id?: string;
}

export interface GeneratorOptions {
  count: number;
  seed: string;
  /** Fraction of rows that belong to fraud patterns, 0..0.5 (default 0). */
  fraudRate?: number;
  /** Number of the first id (`1` → `PAY-000001`). */
  startId?: number;
}

// ---------------------------------------------------------------------------------------------
// PRNG

/** cyrb128 (the fx live feed's seeding hash) seeds sfc32 here too. */
export { cyrb128 };

/** Seeded random numbers: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    [this.a, this.b, this.c, this.d] = cyrb128(`paygate-dummygen:${normalizeSeed(seed)}`);
    for (let i = 0; i < 15; i++) this.nextUint32(); // let the seed's bits spread through the state
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max], both included. */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]: log stays finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** Integer seeds compare by value (`042` ≡ `42`); any other text is used as is. */
export function normalizeSeed(seed: string): string {
  return /^-?[0-9]+$/.test(seed) ? BigInt(seed).toString() : seed;
}

// ---------------------------------------------------------------------------------------------
// Sampling helpers

/** Cumulative weights → index by binary search. */
class Categorical {
  private readonly cdf: Float64Array;

  constructor(weights: readonly number[]) {
    this.cdf = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => (this.cdf[i] = sum += w));
    for (let i = 0; i < this.cdf.length; i++) this.cdf[i] /= sum;
    this.cdf[this.cdf.length - 1] = 1;
  }

  sample(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** A range of demo accounts with a seeded hot set drawn Zipf-like and a uniform remainder. */
class AccountPicker {
  readonly ids: string[];
  private readonly hot: Int32Array;
  readonly isHot: Uint8Array;
  private readonly zipf: Categorical;
  /** Accounts already used in this file (for "quiet" / "new" picks). */
  readonly seen: Uint8Array;

  constructor(
    rng: Rng,
    range: { prefix: string; count: number; width: number },
    private readonly skew: { hotShare: number; hotCount: number; zipfS: number },
  ) {
    this.ids = Array.from({ length: range.count }, (_, i) => demoAccountId(range, i));
    this.isHot = new Uint8Array(range.count);
    this.seen = new Uint8Array(range.count);
    const hotCount = Math.min(skew.hotCount, range.count);
    this.hot = new Int32Array(hotCount);
    for (let filled = 0; filled < hotCount;) {
      const i = rng.int(range.count);
      if (this.isHot[i]) continue;
      this.isHot[i] = 1;
      this.hot[filled++] = i;
    }
    this.zipf = new Categorical(Array.from({ length: hotCount }, (_, k) => 1 / Math.pow(k + 1, skew.zipfS)));
  }

  /** An ordinary pick: hot set with probability hotShare, else uniform over the range. */
  pick(rng: Rng): number {
    const i = rng.chance(this.skew.hotShare) ? this.hot[this.zipf.sample(rng)] : rng.int(this.ids.length);
    this.seen[i] = 1;
    return i;
  }

  uniform(rng: Rng): number {
    const i = rng.int(this.ids.length);
    this.seen[i] = 1;
    return i;
  }

  /** A cold account not used earlier in the file if one turns up in a few draws (else just cold). */
  fresh(rng: Rng): number {
    let i = 0;
    for (let attempt = 0; attempt < 64; attempt++) {
      i = rng.int(this.ids.length);
      if (!this.isHot[i] && !this.seen[i]) break;
    }
    this.seen[i] = 1;
    return i;
  }
}

const CURRENCY_LIST: readonly DemoCurrency[] = DEMO_CURRENCIES;
const EXPONENT: Readonly<Record<DemoCurrency, number>> = Object.fromEntries(CURRENCY_LIST.map((c) => [c, currencyExponent(c)])) as Record<
  DemoCurrency,
  number
>;

/** Minor units of `currency` worth about `usd` USD, rounded down to a whole multiple of `step` (≥ one step). */
function usdWorthToMinor(usd: number, currency: DemoCurrency, step = 1): number {
  const minor = usd * APPROX_UNITS_PER_USD[currency] * 10 ** EXPONENT[currency];
  return Math.max(step, Math.floor(minor / step) * step);
}

function format(minor: number, currency: DemoCurrency): string {
  return formatAmount(BigInt(minor), currency);
}

/** Digits the ids need: at least MIN_ID_DIGITS, more when the last id is longer. */
export function idDigits(startId: number, count: number): number {
  return Math.max(MIN_ID_DIGITS, String(Math.max(startId, startId + count - 1)).length);
}

export function formatPaymentId(n: number, digits: number): string {
  return `PAY-${String(n).padStart(digits, '0')}`;
}

/** Expected rows of a pattern, weighted by how often each kind starts. */
function meanPatternRows(): number {
  return FRAUD_PATTERNS.reduce((sum, p) => {
    const { share, minRows, maxRows } = PATTERN_PROFILES[p];
    return sum + (share * (minRows + maxRows)) / 2;
  }, 0);
}

export function validateGeneratorOptions(opts: GeneratorOptions): void {
  const { count, seed, fraudRate = 0, startId = 1 } = opts;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  if (typeof seed !== 'string' || seed === '') throw new RangeError('seed must be a non-empty string');
  if (!Number.isFinite(fraudRate) || fraudRate < 0 || fraudRate > MAX_FRAUD_RATE) {
    throw new RangeError(`fraud rate must be between 0 and ${MAX_FRAUD_RATE}, got ${fraudRate}`);
  }
  if (!Number.isSafeInteger(startId) || startId < 1) throw new RangeError(`start id must be a whole number ≥ 1, got ${startId}`);
  if (!Number.isSafeInteger(startId + count)) throw new RangeError('start id + count is beyond the safe integer range');
}

// ---------------------------------------------------------------------------------------------
// The row stream

type Draft = Omit<DummyRow, 'id'>;

/**
 * Lazily yields `count` rows. Rows of fraud patterns carry `label` and `pattern_id`; the
 * fraction of labelled rows tracks `fraudRate` (a pattern starts at random with the rate's
 * probability, nudged when the running fraction drifts more than one pattern away).
 */
export function* generateRows(opts: GeneratorOptions): Generator<DummyRow, void, undefined> {
  validateGeneratorOptions(opts);
  const { count, fraudRate = 0, startId = 1 } = opts;
  // Two streams: ordinary traffic and fraud, so the fraud overlay does not reshuffle the ordinary draws.
  const rng = new Rng(opts.seed);
  const fraud = new Rng(`${normalizeSeed(opts.seed)}/fraud`);
  const [srcRange, dstRange] = [DEMO_RANGES[0], DEMO_RANGES[1]];
  const sources = new AccountPicker(rng, srcRange, ACCOUNT_SKEW.source);
  const destinations = new AccountPicker(rng, dstRange, ACCOUNT_SKEW.destination);
  const currencyMix = new Categorical(CURRENCY_LIST.map((c) => CURRENCY_PROFILES[c].weight));
  const patternMix = new Categorical(FRAUD_PATTERNS.map((p) => PATTERN_PROFILES[p].share));
  const digits = idDigits(startId, count);

  // Start probability q per ordinary slot so that labelled/(labelled + ordinary) ≈ rate:
  // ordinary rows between patterns average (1 − q)/q = L(1 − r)/r.
  const meanRows = meanPatternRows();
  const startProbability = fraudRate > 0 ? fraudRate / (fraudRate + meanRows * (1 - fraudRate)) : 0;
  const slack = Math.max(...FRAUD_PATTERNS.map((p) => PATTERN_PROFILES[p].maxRows));
  const minRows = Math.min(...FRAUD_PATTERNS.map((p) => PATTERN_PROFILES[p].minRows));

  let pending: Draft[] = [];
  let pendingAt = 0;
  let labelled = 0;
  const patternSeq: Record<FraudPattern, number> = { card_testing: 0, account_takeover: 0, structuring: 0 };

  const ordinary = (): Draft => {
    const currency = CURRENCY_LIST[currencyMix.sample(rng)];
    const p = CURRENCY_PROFILES[currency];
    const scale = 10 ** EXPONENT[currency];
    const sample = p.median * Math.exp(p.sigma * rng.normal());
    const clamped = Math.min(p.max, Math.max(p.min, sample));
    const minor = Math.max(p.stepMinor, Math.round((clamped * scale) / p.stepMinor) * p.stepMinor);
    return {
      currency,
      amount: format(minor, currency),
      source_account: sources.ids[sources.pick(rng)],
      destination_account: destinations.ids[destinations.pick(rng)],
    };
  };

  const startPattern = (remaining: number): Draft[] | undefined => {
    const kind = FRAUD_PATTERNS[patternMix.sample(fraud)];
    const prof = PATTERN_PROFILES[kind];
    const rows = Math.min(fraud.intBetween(prof.minRows, prof.maxRows), remaining);
    if (rows < prof.minRows) return undefined;
    const patternId = `${prof.prefix}-${String(++patternSeq[kind]).padStart(6, '0')}`;
    const currency = CURRENCY_LIST[currencyMix.sample(fraud)];
    const wholeStep = CURRENCY_PROFILES[currency].stepMinor;
    const out: Draft[] = [];
    const push = (minor: number, src: number, dst: number) =>
      out.push({
        currency,
        amount: format(minor, currency),
        source_account: sources.ids[src],
        destination_account: destinations.ids[dst],
        label: kind,
        pattern_id: patternId,
      });

    if (kind === 'card_testing') {
      const src = sources.uniform(fraud);
      const used = new Set<number>();
      for (let i = 0; i < rows; i++) {
        let dst: number;
        do dst = destinations.uniform(fraud);
        while (used.has(dst));
        used.add(dst);
        const usd = CARD_TEST_USD.min + fraud.next() * (CARD_TEST_USD.max - CARD_TEST_USD.min);
        push(usdWorthToMinor(usd, currency, wholeStep), src, dst);
      }
    } else if (kind === 'account_takeover') {
      const src = sources.fresh(fraud);
      const dst = destinations.fresh(fraud);
      const [lo, hi] = [Math.log(TAKEOVER_USD.min), Math.log(TAKEOVER_USD.max)];
      for (let i = 0; i < rows; i++) {
        const usd = Math.exp(lo + fraud.next() * (hi - lo));
        // Half of the takeover amounts are round (e.g. 3,400.00 USD), as people type them.
        const step = fraud.chance(0.5) ? CURRENCY_PROFILES[currency].roundStep * 10 ** EXPONENT[currency] : wholeStep;
        push(usdWorthToMinor(usd, currency, step), src, dst);
      }
    } else {
      const src = sources.pick(fraud);
      const payees = [destinations.pick(fraud)];
      if (fraud.chance(0.3)) payees.push(destinations.pick(fraud));
      for (let i = 0; i < rows; i++) {
        const usd = STRUCTURING_USD.min + fraud.next() * (STRUCTURING_USD.max - STRUCTURING_USD.min);
        push(usdWorthToMinor(usd, currency, wholeStep), src, payees[i % payees.length]);
      }
    }
    return out;
  };

  for (let i = 0; i < count; i++) {
    if (pendingAt >= pending.length && fraudRate > 0) {
      const deficit = fraudRate * i - labelled;
      const start = deficit > slack ? true : deficit < -slack ? false : fraud.chance(startProbability);
      const remaining = count - i;
      if (start && remaining >= minRows) {
        pending = startPattern(remaining) ?? [];
        pendingAt = 0;
      }
    }
    const id = formatPaymentId(startId + i, digits);
    if (pendingAt < pending.length) {
      labelled++;
      yield { id, ...pending[pendingAt++] };
    } else {
      yield { id, ...ordinary() };
    }
  }
}

/** One line of the main CSV (no quoting needed: every field is `[A-Z0-9_.-]+`), without the newline. */
export function toCsvLine(row: DummyRow): string {
  return `${row.id},${row.currency},${row.amount},${row.source_account},${row.destination_account}`;
}

export function toLabelLine(row: DummyRow): string | undefined {
  return row.label ? `${row.id},${row.label},${row.pattern_id}` : undefined;
}

export const CSV_HEADER = CSV_COLUMNS.join(',');
export const LABEL_HEADER = LABEL_COLUMNS.join(',');
