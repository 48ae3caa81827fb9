import { assertSafeMinor, isCurrencyCode, parseAmount } from '@paygate/money';
import { parseDuration, type RulesFile } from './rules';

/**
 * What risk knows about the account's earlier payments (never counting the payment being
 * scored). Only recorded payments count: a score with a payment id, once per payment.
 */
export interface HistoryFeatures {
  /** Earlier payments in the last minute / hour / 24 hours (windows end now, start strictly after now − length). */
  count1m: number;
  count1h: number;
  count24h: number;
  /** Their total in the reference currency's minor units (payments that could be priced only). */
  sum1mRefMinor: bigint;
  sum1hRefMinor: bigint;
  sum24hRefMinor: bigint;
  /** Whether the account paid `destination` before (any time); undefined without a destination. */
  destinationSeen?: boolean;
  /** Whole seconds since risk recorded the account's first payment; undefined for a new account. */
  accountAgeSeconds?: number;
  /** Earlier payments per amount band of the rules file, each within the band's own window. */
  bandCounts: Readonly<Record<string, number>>;
  /** Reference amounts of the account's latest priced payments, most recent first (at most `history_size`). */
  historyRefMinor: readonly bigint[];
}

/** Everything the rules see about one payment. */
export interface RiskFeatures extends HistoryFeatures {
  account: string;
  destination?: string;
  /** ISO 4217 code of the payment. */
  currency: string;
  /** Amount in `currency` minor units (> 0). */
  amountMinor: bigint;
  /** The currency of the payer's funds, when the caller says (for the corridor `source_currency>currency`). */
  sourceCurrency?: string;
  /** Amount in the rules file's reference currency (its minor units); undefined when no FX rate was known. */
  amountRefMinor?: bigint;
}

/** History that says "never seen before": the features of an account's first payment. */
export const EMPTY_HISTORY: HistoryFeatures = Object.freeze({
  count1m: 0,
  count1h: 0,
  count24h: 0,
  sum1mRefMinor: 0n,
  sum1hRefMinor: 0n,
  sum24hRefMinor: 0n,
  bandCounts: Object.freeze({}),
  historyRefMinor: Object.freeze([]) as readonly bigint[],
});

/** Velocity windows, in seconds. */
export const WINDOWS = { '1m': 60, '1h': 3600, '24h': 86_400 } as const;

/** One amount band as the history store counts it: reference minor units in [gteMinor, ltMinor), within windowSeconds. */
export interface BandQuery {
  key: string;
  gteMinor?: bigint;
  ltMinor?: bigint;
  windowSeconds: number;
}

/**
 * What a history store must compute for one score: the bands and history size of one or more
 * rules files (the live one and a shadow one share one read), in one reference currency.
 */
export interface HistorySpec {
  referenceCurrency: string;
  bands: readonly BandQuery[];
  historySize: number;
  /** How far back the velocity read scans: 24 h or the longest band window. */
  maxWindowSeconds: number;
}

/** A history spec for some rules files, and how each file's band names map to the spec's band keys. */
export interface MergedSpec {
  spec: HistorySpec;
  bandKeys: ReadonlyMap<RulesFile, Readonly<Record<string, string>>>;
}

/**
 * The history read that serves every given rules file at once (identical bands share a key;
 * the history sample is the largest asked for). All files must use the first file's reference
 * currency (checked by the caller: a shadow file in another currency is not evaluated).
 */
export function historySpec(files: readonly RulesFile[]): MergedSpec {
  if (files.length === 0) throw new RangeError('historySpec needs at least one rules file');
  const ref = files[0].reference_currency;
  const keyBySignature = new Map<string, string>();
  const bands: BandQuery[] = [];
  const bandKeys = new Map<RulesFile, Record<string, string>>();
  let historySize = 1;
  for (const file of files) {
    if (file.reference_currency !== ref) {
      throw new RangeError(`rules ${file.version} use reference currency ${file.reference_currency}, not ${ref}`);
    }
    historySize = Math.max(historySize, file.features.history_size);
    const keys: Record<string, string> = {};
    for (const [name, band] of Object.entries(file.features.amount_bands)) {
      const windowSeconds = parseDuration(band.window)!;
      const signature = `${band.gte ?? ''}|${band.lt ?? ''}|${windowSeconds}`;
      let key = keyBySignature.get(signature);
      if (key === undefined) {
        key = `b${bands.length}`;
        keyBySignature.set(signature, key);
        const q: BandQuery = { key, windowSeconds };
        if (band.gte !== undefined) q.gteMinor = parseAmount(band.gte, ref);
        if (band.lt !== undefined) q.ltMinor = parseAmount(band.lt, ref);
        bands.push(q);
      }
      keys[name] = key;
    }
    bandKeys.set(file, keys);
  }
  const maxWindowSeconds = Math.max(WINDOWS['24h'], ...bands.map((b) => b.windowSeconds));
  return { spec: { referenceCurrency: ref, bands, historySize, maxWindowSeconds }, bandKeys };
}

/** The history as one rules file sees it: its own band names, its own history size. */
export function historyFor(merged: MergedSpec, file: RulesFile, h: HistoryFeatures): HistoryFeatures {
  const keys = merged.bandKeys.get(file);
  if (!keys) throw new RangeError(`rules ${file.version} are not part of this history spec`);
  const bandCounts: Record<string, number> = {};
  for (const [name, key] of Object.entries(keys)) bandCounts[name] = h.bandCounts[key] ?? 0;
  return { ...h, bandCounts, historyRefMinor: h.historyRefMinor.slice(0, file.features.history_size) };
}

/** Does a reference amount fall in a band query? */
export function inBand(q: Pick<BandQuery, 'gteMinor' | 'ltMinor'>, refMinor: bigint): boolean {
  return (q.gteMinor === undefined || refMinor >= q.gteMinor) && (q.ltMinor === undefined || refMinor < q.ltMinor);
}

/**
 * The features as stored with a decision (jsonb), for audit and replay: plain JSON, every
 * amount an integer of minor units as a string (exact), the currencies named.
 */
export interface FeaturesJson {
  account: string;
  destination: string | null;
  currency: string;
  amount_minor: string;
  source_currency: string | null;
  reference_currency: string;
  amount_ref_minor: string | null;
  count_1m: number;
  count_1h: number;
  count_24h: number;
  sum_1m_ref_minor: string;
  sum_1h_ref_minor: string;
  sum_24h_ref_minor: string;
  destination_seen: boolean | null;
  account_age_seconds: number | null;
  band_counts: Record<string, number>;
  history_ref_minor: string[];
}

export function featuresToJson(f: RiskFeatures, referenceCurrency: string): FeaturesJson {
  return {
    account: f.account,
    destination: f.destination ?? null,
    currency: f.currency,
    amount_minor: f.amountMinor.toString(),
    source_currency: f.sourceCurrency ?? null,
    reference_currency: referenceCurrency,
    amount_ref_minor: f.amountRefMinor === undefined ? null : f.amountRefMinor.toString(),
    count_1m: f.count1m,
    count_1h: f.count1h,
    count_24h: f.count24h,
    sum_1m_ref_minor: f.sum1mRefMinor.toString(),
    sum_1h_ref_minor: f.sum1hRefMinor.toString(),
    sum_24h_ref_minor: f.sum24hRefMinor.toString(),
    destination_seen: f.destinationSeen ?? null,
    account_age_seconds: f.accountAgeSeconds ?? null,
    band_counts: { ...f.bandCounts },
    history_ref_minor: f.historyRefMinor.map(String),
  };
}

/** The stored features back as engine input (replay); throws TypeError/RangeError on a malformed record. */
export function featuresFromJson(j: FeaturesJson): RiskFeatures {
  const minor = (v: unknown, name: string): bigint => {
    if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v))
      throw new TypeError(`${name} must be a string of minor units, got ${String(v)}`);
    const n = BigInt(v);
    assertSafeMinor(n, name);
    return n;
  };
  const count = (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`${name} must be a whole number >= 0, got ${String(v)}`);
    return v;
  };
  if (!isCurrencyCode(j.currency)) throw new TypeError(`currency must be an ISO 4217 code, got ${String(j.currency)}`);
  const f: RiskFeatures = {
    account: j.account,
    currency: j.currency,
    amountMinor: minor(j.amount_minor, 'amount_minor'),
    count1m: count(j.count_1m, 'count_1m'),
    count1h: count(j.count_1h, 'count_1h'),
    count24h: count(j.count_24h, 'count_24h'),
    sum1mRefMinor: minor(j.sum_1m_ref_minor, 'sum_1m_ref_minor'),
    sum1hRefMinor: minor(j.sum_1h_ref_minor, 'sum_1h_ref_minor'),
    sum24hRefMinor: minor(j.sum_24h_ref_minor, 'sum_24h_ref_minor'),
    bandCounts: Object.fromEntries(Object.entries(j.band_counts ?? {}).map(([k, v]) => [k, count(v, `band_counts.${k}`)])),
    historyRefMinor: (j.history_ref_minor ?? []).map((v, i) => minor(v, `history_ref_minor[${i}]`)),
  };
  if (j.destination !== null) f.destination = j.destination;
  if (j.source_currency !== null) f.sourceCurrency = j.source_currency;
  if (j.amount_ref_minor !== null) f.amountRefMinor = minor(j.amount_ref_minor, 'amount_ref_minor');
  if (j.destination_seen !== null) f.destinationSeen = j.destination_seen;
  if (j.account_age_seconds !== null) f.accountAgeSeconds = count(j.account_age_seconds, 'account_age_seconds');
  return f;
}
