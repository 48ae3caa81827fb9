import type { Endpoints } from './api';
import type { PaymentRow } from './csv';
import type { LoadRequest } from './runner';

export const SCENARIOS = ['payments', 'hot-wallet', 'replay', 'balance', 'convert', 'score'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioContext {
  endpoints: Endpoints;
  key?: string;
  rows: readonly PaymentRow[];
  runId: string;
}

/** A payment body with the amount as its exact CSV text (a JSON number, as the seed's k6 script sends it). */
export function paymentBody(row: PaymentRow, id: string): string {
  if (!/^\d+(\.\d+)?$/.test(row.amount)) throw new Error(`row ${row.id}: amount ${JSON.stringify(row.amount)} is not a plain decimal`);
  return (
    `{"id":${JSON.stringify(id)},"currency":${JSON.stringify(row.currency)},"amount":${row.amount},` +
    `"source_account":${JSON.stringify(row.source_account)},"destination_account":${JSON.stringify(row.destination_account)}}`
  );
}

/**
 * What request i of a scenario is. Payments replay the CSV with a payment id unique to the run
 * and the request (so a run measures payments, not replays); the hot-wallet scenario sends every
 * payment from one source; the read scenarios spread over the demo ranges.
 */
export function requestFactory(name: ScenarioName, ctx: ScenarioContext): (i: number) => LoadRequest {
  const auth: Record<string, string> = ctx.key && ctx.endpoints.gateway ? { authorization: `Bearer ${ctx.key}` } : {};
  const pad = (n: number) => String(n % 10_000).padStart(4, '0');
  switch (name) {
    case 'payments':
      return (i) => {
        const row = ctx.rows[i % ctx.rows.length];
        return { method: 'POST', path: '/payments', body: paymentBody(row, `L${ctx.runId}-${i}`), headers: auth };
      };
    case 'hot-wallet':
      return (i) => ({
        method: 'POST',
        path: '/payments',
        body: paymentBody(
          { id: '', currency: 'USD', amount: '1.00', source_account: HOT_WALLET, destination_account: `ACC_DST_${pad(i)}` },
          `H${ctx.runId}-${i}`,
        ),
        headers: auth,
      });
    case 'replay':
      // The same REPLAY_SLOTS payments again and again: after the first of each, every request
      // is an idempotent replay (the stored answer, `Idempotent-Replayed: true`).
      return (i) => {
        const slot = i % REPLAY_SLOTS;
        return { method: 'POST', path: '/payments', body: paymentBody(replayRow(slot), `R${ctx.runId}-${slot}`), headers: auth };
      };
    case 'balance':
      return (i) => ({ method: 'GET', path: `/balance/ACC_SRC_${pad(i * 7919)}`, headers: auth });
    case 'convert':
      return (i) => ({
        method: 'GET',
        path: `/convert?from=USD&to=IDR&amount=${(i % 100_000) + 1}.${String(i % 100).padStart(2, '0')}`,
        headers: auth,
      });
    case 'score':
      return (i) => ({
        method: 'POST',
        path: '/score',
        body: JSON.stringify({
          account: `ACC_SRC_${pad(i)}`,
          amount: `${(i % 900) + 10}.00`,
          currency: 'USD',
          destination: `ACC_DST_${pad(i * 31)}`,
        }),
        headers: auth,
      });
  }
}

/** The one source of the hot-wallet scenario. */
export const HOT_WALLET = 'ACC_SRC_0000';

/** How many distinct payments the replay scenario repeats. */
export const REPLAY_SLOTS = 64;

function replayRow(slot: number): PaymentRow {
  const n = String(9000 + slot).padStart(4, '0');
  return { id: '', currency: 'USD', amount: '1.00', source_account: `ACC_SRC_${n}`, destination_account: `ACC_DST_${n}` };
}

/** The rows a scenario's funding has to cover. */
export function fundingRows(name: ScenarioName, rows: readonly PaymentRow[]): readonly PaymentRow[] {
  if (name === 'payments') return rows;
  if (name === 'hot-wallet')
    return [{ id: 'hot', currency: 'USD', amount: '1.00', source_account: HOT_WALLET, destination_account: 'ACC_DST_0000' }];
  if (name === 'replay') return Array.from({ length: REPLAY_SLOTS }, (_, slot) => replayRow(slot));
  return [];
}
