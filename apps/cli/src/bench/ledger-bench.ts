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

/**
 * Transfers straight through the ledger repository (no HTTP, no bus): the wallet's own ceiling
 * on this PostgreSQL, for random pairs among `wallets` wallets or from one hot source wallet.
 */
export async function ledgerBench(
  url: string,
  o: { durationMs: number; concurrency: number; wallets: number; hot: boolean },
): Promise<LedgerBenchResult> {
  const handle = openDatabase({ url, pgliteDir: '', poolSize: o.concurrency + 2 });
  try {
    await handle.migrate('wallet', migrationsFolder('wallet'));
    const ledger = new LedgerRepository(handle.db);
    const run = `${o.hot ? 'hot' : 'rnd'}${Date.now().toString(36)}`;
    const id = (n: number) => `${run}_${String(n).padStart(5, '0')}`;
    for (let n = 0; n < o.wallets; n++) {
      await ledger.createAccount(MERCHANT, { accountId: id(n), currencies: ['USD'], defaultCurrency: 'USD', allowOverdraft: false });
      await ledger.deposit(MERCHANT, `fund-${id(n)}`, id(n), 'USD', 1_000_000_000n);
    }
    const histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const outcomes: Record<string, number> = {};
    let seq = 0;
    let maxUs = 0;
    const t0 = performance.now();
    const end = t0 + o.durationMs;
    const worker = async (w: number) => {
      let rnd = w * 7919 + 1;
      const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
      while (performance.now() < end) {
        const i = seq++;
        const src = o.hot ? 0 : next() % o.wallets;
        let dst = next() % o.wallets;
        if (dst === src) dst = (dst + 1) % o.wallets;
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
