import { build as buildHistogram } from 'hdr-histogram-js';
import { performance } from 'node:perf_hooks';
import { migrationsFolder, openDatabase } from '@paygate/database';
import { LedgerRefused, LedgerRepository } from '../../../wallet/src/persistence/ledger.repository';

export interface LedgerBenchResult {
  achievedRate: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  outcomes: Record<string, number>;
}

const MERCHANT = 'mer_bench';

interface CommonOptions {
  durationMs: number;
  concurrency: number;
  hot: boolean;
}

/**
 * Either `wallets` wallets the bench creates and funds itself through the repository, or wallets
 * that already exist (of merchant `mer_bench`, active, funded in USD): `prepared.id(n)` for
 * n in 0 … count−1, e.g. made by the bulk loader.
 */
export type LedgerBenchOptions =
  (CommonOptions & { wallets: number }) | (CommonOptions & { prepared: { id: (n: number) => string; count: number } });

/**
 * Transfers straight through the ledger repository (no HTTP, no bus): the wallet's own ceiling
 * on this PostgreSQL, for random pairs among the wallets or from one hot source wallet (wallet 0).
 */
export async function ledgerBench(url: string, o: LedgerBenchOptions): Promise<LedgerBenchResult> {
  const handle = openDatabase({ url, pgliteDir: '', poolSize: o.concurrency + 2 });
  try {
    await handle.migrate('wallet', migrationsFolder('wallet'));
    const ledger = new LedgerRepository(handle.db);
    const run = `${o.hot ? 'hot' : 'rnd'}${Date.now().toString(36)}`;
    let id: (n: number) => string;
    let wallets: number;
    if ('prepared' in o) {
      ({ id, count: wallets } = o.prepared);
    } else {
      id = (n: number) => `${run}_${String(n).padStart(5, '0')}`;
      wallets = o.wallets;
      for (let n = 0; n < wallets; n++) {
        await ledger.createAccount(MERCHANT, { accountId: id(n), currencies: ['USD'], defaultCurrency: 'USD', allowOverdraft: false });
        await ledger.deposit(MERCHANT, `fund-${id(n)}`, id(n), 'USD', 1_000_000_000n);
      }
    }
    if (wallets < 2) throw new Error('the ledger bench needs at least 2 wallets');
    const histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const outcomes: Record<string, number> = {};
    let seq = 0;
    let maxUs = 0;
    const t0 = performance.now();
    const end = t0 + o.durationMs;
    const worker = async (w: number) => {
      // A 32-bit integer mix per worker (splitmix32-like): the float LCG this replaced lost its low
      // bits past 2^53 and cycled through a few thousand values, too few to reach 10^6 wallets.
      let rnd = w * 7919 + 1;
      const next = () => {
        rnd = (rnd + 0x9e3779b9) | 0;
        let t = Math.imul(rnd ^ (rnd >>> 16), 0x21f0aaad);
        t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
        return (t ^ (t >>> 15)) >>> 0;
      };
      while (performance.now() < end) {
        const i = seq++;
        const src = o.hot ? 0 : next() % wallets;
        let dst = next() % wallets;
        if (dst === src) dst = (dst + 1) % wallets;
        const started = performance.now();
        let outcome = 'OK';
        try {
          await ledger.transfer(MERCHANT, `${run}-${i}`, {
            sourceAccount: id(src),
            destinationAccount: id(dst),
            debit: { currency: 'USD', minor: 100n },
            credit: { currency: 'USD', minor: 100n },
          });
        } catch (e) {
          outcome = e instanceof LedgerRefused ? e.refusal.kind : 'ERROR';
        }
        const us = Math.max(1, Math.round((performance.now() - started) * 1000));
        histogram.recordValue(us);
        maxUs = Math.max(maxUs, us);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
    const seconds = (performance.now() - t0) / 1000;
    const ms = (us: number) => Math.round(us / 10) / 100;
    const at = (p: number) => ms(Math.min(histogram.getValueAtPercentile(p), maxUs));
    return {
      achievedRate: Math.round((histogram.totalCount / seconds) * 10) / 10,
      latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: ms(maxUs), mean: ms(histogram.mean) },
      outcomes,
    };
  } finally {
    await handle.close();
  }
}
