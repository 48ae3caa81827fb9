import { ECB_REFERENCE_SNAPSHOT } from '../ecb-snapshot.data';
import type { RateProvider, RateSnapshot } from './types';

export interface EcbReferenceProviderOptions {
  /** Provider name (default `'ecb-reference'`). */
  name?: string;
  /**
   * Maximum age of the reference. Default `Infinity`: the bundled snapshot is a *dated reference*
   * (its `asOf` says which day it is), not a market price, so it never goes stale and is the last
   * failover step that keeps a zero-setup install converting. A deployment that must never convert
   * on an old reference sets a finite value; the rate book then reports it stale (RATE_STALE).
   */
  maxAgeMs?: number;
  /** The reference to serve (default: the bundled ECB snapshot of 2024-12-31). */
  reference?: { pivot: string; rates: Record<string, string>; asOf: string | Date };
}

/** Serves a fixed, dated reference snapshot (by default the bundled ECB rates). start/stop are no-ops. */
export class EcbReferenceProvider implements RateProvider {
  readonly name: string;
  readonly maxAgeMs: number;
  private readonly snapshot: RateSnapshot;

  constructor(options: EcbReferenceProviderOptions = {}) {
    this.name = options.name ?? ECB_REFERENCE_SNAPSHOT.source;
    this.maxAgeMs = options.maxAgeMs ?? Infinity;
    if (!(this.maxAgeMs >= 0)) throw new RangeError(`maxAgeMs must be ≥ 0, got ${this.maxAgeMs}`);
    const reference = options.reference ?? ECB_REFERENCE_SNAPSHOT;
    const asOf = new Date(reference.asOf);
    if (Number.isNaN(asOf.getTime())) throw new RangeError(`invalid reference asOf ${String(reference.asOf)}`);
    this.snapshot = Object.freeze({
      provider: this.name,
      pivot: reference.pivot,
      rates: Object.freeze({ ...reference.rates }),
      asOf,
    });
  }

  latest(): RateSnapshot {
    return this.snapshot;
  }

  start(): void {}

  stop(): void {}

  /** A fixed reference never publishes a new snapshot; the listener is never called. */
  onSnapshot(_listener: (s: RateSnapshot) => void): () => void {
    return () => {};
  }
}
