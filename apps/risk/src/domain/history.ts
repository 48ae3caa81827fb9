import { EMPTY_HISTORY, WINDOWS, inBand, type HistoryFeatures, type HistorySpec } from './features';

/** One recorded payment as the history keeps it. */
export interface HistoryEvent {
  /** Milliseconds on the caller's clock. */
  at: number;
  destination?: string;
  /** The reference currency it was priced in, and its amount there (undefined: unpriced). */
  referenceCurrency: string;
  amountRefMinor?: bigint;
}

interface AccountLog {
  events: HistoryEvent[];
  destinations: Set<string>;
}

/**
 * The account history in memory, with exactly the semantics of the PostgreSQL read in
 * `RiskRepository` (windows (now − length, now], sums and bands over payments priced in the
 * spec's reference currency, the latest priced amounts most recent first, destination seen
 * at any time, age in whole seconds since the first payment). The backtest scores with it;
 * a repository test checks the two agree. Events must be recorded in time order.
 */
export class InMemoryHistory {
  private readonly accounts = new Map<string, AccountLog>();

  /** Features of `account`'s earlier payments at time `at` (ms). */
  read(account: string, destination: string | undefined, at: number, spec: HistorySpec): HistoryFeatures {
    const log = this.accounts.get(account);
    if (!log || log.events.length === 0) {
      const bandCounts = Object.fromEntries(spec.bands.map((b) => [b.key, 0]));
      return { ...EMPTY_HISTORY, bandCounts, destinationSeen: destination === undefined ? undefined : false };
    }
    const ref = spec.referenceCurrency;
    const h = {
      count1m: 0,
      count1h: 0,
      count24h: 0,
      sum1mRefMinor: 0n,
      sum1hRefMinor: 0n,
      sum24hRefMinor: 0n,
    };
    const bandCounts: Record<string, number> = Object.fromEntries(spec.bands.map((b) => [b.key, 0]));
    const historyRefMinor: bigint[] = [];
    const horizon = at - spec.maxWindowSeconds * 1000;
    for (let i = log.events.length - 1; i >= 0; i--) {
      const e = log.events[i];
      const inWindow = e.at > horizon;
      const priced = e.referenceCurrency === ref && e.amountRefMinor !== undefined ? e.amountRefMinor : undefined;
      if (priced !== undefined && historyRefMinor.length < spec.historySize) historyRefMinor.push(priced);
      if (!inWindow) {
        if (historyRefMinor.length >= spec.historySize) break;
        continue;
      }
      const age = at - e.at;
      if (age < WINDOWS['24h'] * 1000) {
        h.count24h++;
        if (priced !== undefined) h.sum24hRefMinor += priced;
        if (age < WINDOWS['1h'] * 1000) {
          h.count1h++;
          if (priced !== undefined) h.sum1hRefMinor += priced;
          if (age < WINDOWS['1m'] * 1000) {
            h.count1m++;
            if (priced !== undefined) h.sum1mRefMinor += priced;
          }
        }
      }
      if (priced !== undefined) {
        for (const b of spec.bands) if (age < b.windowSeconds * 1000 && inBand(b, priced)) bandCounts[b.key]++;
      }
    }
    return {
      ...h,
      bandCounts,
      historyRefMinor,
      destinationSeen: destination === undefined ? undefined : log.destinations.has(destination),
      accountAgeSeconds: Math.floor((at - log.events[0].at) / 1000),
    };
  }

  record(account: string, event: HistoryEvent): void {
    let log = this.accounts.get(account);
    if (!log) {
      log = { events: [], destinations: new Set() };
      this.accounts.set(account, log);
    }
    const last = log.events[log.events.length - 1];
    if (last && event.at < last.at) throw new RangeError(`events must be recorded in time order (${event.at} < ${last.at})`);
    log.events.push(event);
    if (event.destination !== undefined) log.destinations.add(event.destination);
  }
}

/** A decision recorded at the read's own instant, as the next one's history counts it. */
export interface SameInstantEvent {
  destination?: string;
  /** In the spec's reference currency (undefined: unpriced). */
  amountRefMinor?: bigint;
}

/**
 * One account's history as of one read, plus decisions recorded at that read's instant: what
 * several payments of a hot account see when they are decided together on one read, each after
 * the ones before it (exactly what reading again after each record would return, had they all
 * been recorded at that instant). A decision at the read's instant lies inside every window and
 * is the newest: each counts in every count, priced ones in every sum and matching band, and
 * heads the history sample; the first one of a new account makes its age 0.
 */
export class SameInstantHistory {
  private current: HistoryFeatures;
  private readonly seen: Set<string>;

  /**
   * @param base the read's history (its `destinationSeen` is ignored)
   * @param seenBefore which of the destinations asked about the account had paid before the read
   */
  constructor(
    base: HistoryFeatures,
    seenBefore: Iterable<string>,
    private readonly spec: HistorySpec,
  ) {
    this.current = { ...base };
    delete this.current.destinationSeen;
    this.seen = new Set(seenBefore);
  }

  /** The history the next decision sees, for its destination. */
  read(destination: string | undefined): HistoryFeatures {
    return { ...this.current, destinationSeen: destination === undefined ? undefined : this.seen.has(destination) };
  }

  record(e: SameInstantEvent): void {
    const h = this.current;
    const priced = e.amountRefMinor;
    const add = priced ?? 0n;
    const bandCounts: Record<string, number> = { ...h.bandCounts };
    if (priced !== undefined) for (const b of this.spec.bands) if (inBand(b, priced)) bandCounts[b.key] = (bandCounts[b.key] ?? 0) + 1;
    this.current = {
      count1m: h.count1m + 1,
      count1h: h.count1h + 1,
      count24h: h.count24h + 1,
      sum1mRefMinor: h.sum1mRefMinor + add,
      sum1hRefMinor: h.sum1hRefMinor + add,
      sum24hRefMinor: h.sum24hRefMinor + add,
      accountAgeSeconds: h.accountAgeSeconds ?? 0,
      bandCounts,
      historyRefMinor: priced === undefined ? h.historyRefMinor : [priced, ...h.historyRefMinor].slice(0, this.spec.historySize),
    };
    if (e.destination !== undefined) this.seen.add(e.destination);
  }
}
