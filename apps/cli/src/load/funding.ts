import { convertMinor, formatAmount, parseAmount } from '@paygate/money';
import type { Api } from './api';
import type { PaymentRow } from './csv';

interface AccountView {
  default_currency: string;
  currencies: string[];
}

/** What each source account pays in total, per payment currency, over `cycles` passes of the rows. */
export function requirements(rows: readonly PaymentRow[], cycles: number): Map<string, Map<string, bigint>> {
  const need = new Map<string, Map<string, bigint>>();
  for (const r of rows) {
    const perCurrency = need.get(r.source_account) ?? new Map<string, bigint>();
    perCurrency.set(r.currency, (perCurrency.get(r.currency) ?? 0n) + parseAmount(r.amount, r.currency) * BigInt(cycles));
    need.set(r.source_account, perCurrency);
  }
  return need;
}

export interface FundingResult {
  accounts: number;
  deposits: number;
  ms: number;
}

/**
 * Funds the source accounts a run will use, so a long run measures payments rather than
 * INSUFFICIENT_FUNDS: each source gets, in the currency it will be debited in (the payment
 * currency if it holds it, else its default currency, converted at the current rate + 10 %),
 * what its payments need. Deposits are idempotent on a reference unique to the run.
 */
export async function fundSources(
  wallet: Api,
  fx: Api,
  rows: readonly PaymentRow[],
  cycles: number,
  runId: string,
  parallel = 16,
): Promise<FundingResult> {
  const t0 = Date.now();
  const rates = new Map<string, Promise<string>>();
  const rate = (from: string, to: string) => {
    const key = `${from}/${to}`;
    if (!rates.has(key)) {
      rates.set(
        key,
        fx.call<{ rate: string }>('GET', `/rate?base=${from}&quote=${to}`).then((r) => {
          if (r.status !== 200) throw new Error(`funding: no ${key} rate (${r.status})`);
          return r.body.rate;
        }),
      );
    }
    return rates.get(key)!;
  };
  const work = [...requirements(rows, cycles)];
  let deposits = 0;
  const fundOne = async ([account, perCurrency]: [string, Map<string, bigint>]) => {
    const acc = await wallet.call<AccountView>('GET', `/accounts/${account}`);
    if (acc.status !== 200) return; // unknown sources fail as ACCOUNT_NOT_FOUND, which the run reports
    const debit = new Map<string, bigint>();
    for (const [currency, minor] of perCurrency) {
      if (acc.body.currencies.includes(currency)) debit.set(currency, (debit.get(currency) ?? 0n) + minor);
      else {
        const d = acc.body.default_currency;
        const converted = convertMinor(minor, currency, d, await rate(currency, d), 'CEILING');
        debit.set(d, (debit.get(d) ?? 0n) + converted + converted / 10n + 1n);
      }
    }
    for (const [currency, minor] of debit) {
      const res = await wallet.call('POST', `/accounts/${account}/deposits`, {
        currency,
        amount: formatAmount(minor, currency),
        reference: `load-${runId}-${account}-${currency}`,
      });
      if (res.status !== 201) throw new Error(`funding ${account} ${currency}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      deposits += 1;
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, work.length) }, async () => {
      while (next < work.length) await fundOne(work[next++]);
    }),
  );
  return { accounts: work.length, deposits, ms: Date.now() - t0 };
}
