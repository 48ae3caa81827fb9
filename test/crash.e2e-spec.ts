import { Client } from 'pg';
import { openDatabase } from '@paygate/database';
import type { DatabaseHandle } from '@paygate/database';
import type { CrashPointName } from '@paygate/platform';
import { parseAmount } from '@paygate/money';
import { reconcile } from '../apps/cli/src/reconcile/reconcile';
import { verifyLedger } from '../apps/wallet/src/persistence/ledger-verify';
import { eventually } from './support/eventually';
import { Stack, StackService, startStack } from './support/stack';

/**
 * Crash safety, proven by killing real processes (DESIGN §3, issue 7): the five services run as
 * separate processes (test/support/stack.ts); one of them is started with PAYGATE_CRASH_AT=<point>
 * and SIGKILLs itself at that step boundary of a payment (libs/platform/src/crash-points.ts). After
 * a restart, the recovery sweep and the client's retry with the same Idempotency-Key must leave
 * the payment final (never stuck PROCESSING, never a 2xx before it is), money moved at most once,
 * and payments:reconcile and ledger:verify clean. Then a random kill -9 under load.
 *
 * Timings are shortened for the test: a 3 s request budget, a lease 500 ms past the deadline and
 * a recovery sweep every 200 ms.
 */

interface PaymentBody {
  id: string;
  currency: string;
  amount: string;
  source_account: string;
  destination_account: string;
  capture?: boolean;
}

interface Answer {
  /** HTTP status, or 0 when the request got no answer in time (or the connection broke). */
  status: number;
  body: Record<string, unknown>;
  replayed: boolean;
  /** The Retry-After header, in ms. */
  retryAfterMs?: number;
}

interface BalanceRow {
  account_id: string;
  currency: string;
  ledger: bigint;
  held: bigint;
}

const FINAL = ['CAPTURED', 'AUTHORIZED', 'PENDING', 'FAILED'];

describe('crash safety: real processes killed with SIGKILL', () => {
  let stack: Stack;
  let pg: Client;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        REQUEST_BUDGET_MS: '3000',
        PAYMENTS_LEASE_GRACE_MS: '500',
        PAYMENTS_RECOVERY_INTERVAL_MS: '200',
        PAYMENTS_RECOVERY_LEASE_MS: '1500',
      },
      keepLogs: process.env.PAYGATE_KEEP_STACK_LOGS === '1',
    });
    pg = new Client({ connectionString: stack.databaseUrl });
    await pg.connect();
    handle = openDatabase({ url: stack.databaseUrl, pgliteDir: '', poolSize: 2 });
  }, 900_000); // the first run builds the services (test/support/stack.ts ensureBuilt)

  afterAll(async () => {
    await pg?.end();
    await handle?.close();
    await stack?.stop();
  }, 60_000);

  async function post(body: PaymentBody, key: string, timeoutMs = 8000): Promise<Answer> {
    try {
      const res = await fetch(`${stack.urls.gateway}/payments`, {
        method: 'POST',
        headers: { ...stack.auth(), 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        replayed: res.headers.get('idempotent-replayed') === 'true',
        ...(Number.isFinite(retryAfter) ? { retryAfterMs: Math.min(retryAfter * 1000, 1000) } : {}),
      };
    } catch {
      return { status: 0, body: {}, replayed: false };
    }
  }

  /**
   * The client's retry loop: same key, same body, until the answer is final (not 409 in
   * progress, 429 or 5xx, nor no answer), pausing as a client would (Retry-After, else 200 ms).
   */
  async function retryUntilFinal(body: PaymentBody, key: string, timeoutMs = 30_000): Promise<Answer> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const a = await post(body, key);
      if (a.status === 409 && (a.body.error as { code?: string } | undefined)?.code !== 'IDEMPOTENCY_IN_PROGRESS') {
        throw new Error(`unexpected 409 for ${body.id}: ${JSON.stringify(a.body)}`);
      }
      if (!(a.status === 0 || a.status === 409 || a.status === 429 || a.status >= 500)) return a;
      if (Date.now() > until)
        throw new Error(`no final answer for ${body.id} in ${timeoutMs} ms (last: ${a.status} ${JSON.stringify(a.body)})`);
      await new Promise((r) => setTimeout(r, a.retryAfterMs ?? 200));
    }
  }

  /** Runs `work` over `items`, at most `concurrency` at a time. */
  async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        while (next < items.length && !failed) {
          try {
            await work(items[next++]);
          } catch (e) {
            failed = true; // the other workers stop after their current item
            throw e;
          }
        }
      }),
    );
  }

  async function paymentRow(id: string): Promise<{ status: string; step: string | null } | undefined> {
    const r = await pg.query<{ status: string; step: string | null }>('select status, step from payments.payments where id = $1', [id]);
    return r.rows[0];
  }

  async function balances(accounts: string[]): Promise<Map<string, BalanceRow>> {
    const r = await pg.query<{ account_id: string; currency: string; ledger_minor: string; held_minor: string }>(
      'select account_id, currency, ledger_minor::text, held_minor::text from wallet.balances where account_id = any($1)',
      [accounts],
    );
    const out = new Map<string, BalanceRow>();
    for (const row of r.rows) {
      const currency = row.currency.trim();
      out.set(`${row.account_id}/${currency}`, {
        account_id: row.account_id,
        currency,
        ledger: BigInt(row.ledger_minor),
        held: BigInt(row.held_minor),
      });
    }
    return out;
  }

  const at = (m: Map<string, BalanceRow>, account: string, currency: string): BalanceRow =>
    m.get(`${account}/${currency}`) ?? { account_id: account, currency, ledger: 0n, held: 0n };

  /**
   * The money a final payment moved, checked against the balances before it: a capture debited
   * the source (its debit currency) and credited the destination exactly once; a hold holds the
   * debit once and moves nothing; a decline moves nothing.
   */
  function expectMoneyMovedOnce(
    p: Record<string, unknown>,
    body: PaymentBody,
    before: Map<string, BalanceRow>,
    after: Map<string, BalanceRow>,
  ) {
    const status = p.status as string;
    const debit = p.debit as { currency: string; amount: string } | null;
    const debitCurrency = debit?.currency ?? body.currency;
    const debitMinor = debit ? parseAmount(debit.amount, debit.currency) : 0n;
    const creditMinor = parseAmount(body.amount, body.currency);
    const src0 = at(before, body.source_account, debitCurrency);
    const src1 = at(after, body.source_account, debitCurrency);
    const dst0 = at(before, body.destination_account, body.currency);
    const dst1 = at(after, body.destination_account, body.currency);
    const what = `${body.id} (${status})`;
    if (status === 'CAPTURED') {
      expect({ what, src: src1.ledger - src0.ledger, dst: dst1.ledger - dst0.ledger, held: src1.held - src0.held }).toEqual({
        what,
        src: -debitMinor,
        dst: creditMinor,
        held: 0n,
      });
    } else if (status === 'AUTHORIZED' || status === 'PENDING') {
      expect({ what, src: src1.ledger - src0.ledger, dst: dst1.ledger - dst0.ledger, held: src1.held - src0.held }).toEqual({
        what,
        src: 0n,
        dst: 0n,
        held: debitMinor,
      });
    } else {
      expect({ what, src: src1.ledger - src0.ledger, dst: dst1.ledger - dst0.ledger, held: src1.held - src0.held }).toEqual({
        what,
        src: 0n,
        dst: 0n,
        held: 0n,
      });
    }
  }

  async function expectBooksClean() {
    const r = await reconcile(handle.db);
    expect(r.mismatches).toEqual([]);
    const v = await verifyLedger(handle.db);
    expect(v.violations).toEqual([]);
    expect(v.ok).toBe(true);
  }

  interface CrashCase {
    point: CrashPointName;
    service: StackService;
    /** Pay in GBP, which the ACC_SRC_ wallets do not hold: converted to their USD by FX. */
    fx?: boolean;
    /** capture=false: the money step is a hold (AUTHORIZED). */
    hold?: boolean;
  }
  const CASES: CrashCase[] = [
    { point: 'after_payment_stored', service: 'payments' },
    { point: 'after_risk', service: 'payments' },
    { point: 'after_fx_conversion', service: 'payments', fx: true },
    { point: 'before_wallet_call', service: 'payments', fx: true },
    { point: 'after_wallet_reply', service: 'payments' },
    { point: 'after_wallet_reply', service: 'payments', hold: true },
    { point: 'after_payment_final', service: 'payments' },
    { point: 'after_wallet_commit', service: 'wallet', fx: true },
    { point: 'after_wallet_hold', service: 'wallet', hold: true },
  ];

  it.each(
    CASES.map((c, i) => [`${c.service} at ${c.point}${c.fx ? ' (cross-currency)' : ''}${c.hold ? ' (capture=false)' : ''}`, c, i] as const),
  )(
    '%s: no 2xx before the crash, final after restart and recovery, money moved once, books clean',
    async (_name, c, i) => {
      const n = String(100 + i).padStart(4, '0');
      const body: PaymentBody = {
        id: `CRASH-${i}-${c.point}${c.hold ? '-hold' : ''}`,
        currency: c.fx ? 'GBP' : 'USD',
        amount: '12.34',
        source_account: `ACC_SRC_${n}`,
        destination_account: `ACC_DST_${n}`,
        ...(c.hold ? { capture: false } : {}),
      };
      const accounts = [body.source_account, body.destination_account];
      const before = await balances(accounts);

      await stack.restart(c.service, { PAYGATE_CRASH_AT: c.point });
      const first = await post(body, body.id);
      // The crash is the only outcome: a 5xx (the gateway's deadline, or no responder) or no answer; never a 2xx or a 4xx.
      expect({ status: first.status, fiveXxOrNone: first.status === 0 || first.status >= 500 }).toEqual({
        status: first.status,
        fiveXxOrNone: true,
      });
      const exit = await stack.exited(c.service, 15_000);
      expect(exit.signal).toBe('SIGKILL');
      expect(stack.logs(c.service)).toContain(`PAYGATE_CRASH_AT=${c.point}: crashing`);

      // What the dead attempt left: PROCESSING (stored, not final), except after the final write.
      const left = await paymentRow(body.id);
      if (c.point === 'after_payment_final') expect(left?.status).toBe('CAPTURED');
      else expect(left?.status).toBe('PROCESSING');

      await stack.start(c.service);
      // The recovery sweep resolves it once the lease has run out: a final state, or forgotten
      // (no money moved, nothing stored) so that the client's retry runs it again.
      const recovered = await eventually(
        async () => {
          const row = await paymentRow(body.id);
          return row === undefined ? 'forgotten' : row.status === 'PROCESSING' ? undefined : row.status;
        },
        20_000,
        `recovery of ${body.id}`,
      );
      const moneyMoved = c.service === 'wallet' || c.point === 'after_wallet_reply' || c.point === 'after_payment_final';
      expect(recovered).toBe(moneyMoved ? (c.hold ? 'AUTHORIZED' : 'CAPTURED') : 'forgotten');

      // The client retries with the same key: a consistent final answer, then the same one replayed.
      const retried = await retryUntilFinal(body, body.id);
      expect(retried.status).toBe(200);
      expect(retried.body.status).toBe(c.hold ? 'AUTHORIZED' : 'CAPTURED');
      const again = await post(body, body.id);
      expect(again.status).toBe(200);
      expect(again.replayed).toBe(true);
      expect(again.body).toEqual(retried.body);
      if (c.fx) expect((retried.body.debit as { currency: string }).currency).toBe('USD');

      expectMoneyMovedOnce(retried.body, body, before, await balances(accounts));
      await expectBooksClean();
    },
    90_000,
  );

  it('a random kill -9 of payments and of wallet under load: every payment final, money moved once, books clean', async () => {
    const TOTAL = 300;
    // Under load a payment may need more than the 3 s the crash cases use: the gateway sets the deadline.
    await stack.restart('gateway', { REQUEST_BUDGET_MS: '8000' }, 'SIGTERM');
    const SPREAD_MS = 10_000;
    const bodies: PaymentBody[] = Array.from({ length: TOTAL }, (_, k) => {
      const n = String(1000 + k).padStart(4, '0');
      return {
        id: `LOAD-${k}`,
        currency: k % 5 === 0 ? 'GBP' : 'USD',
        amount: `${1 + (k % 90)}.${String(k % 100).padStart(2, '0')}`,
        source_account: `ACC_SRC_${n}`,
        destination_account: `ACC_DST_${n}`,
      };
    });
    const accounts = bodies.flatMap((b) => [b.source_account, b.destination_account]);
    const before = await balances(accounts);

    // A bounded open-loop stream (one request every ~33 ms, ~30 in flight at most), loopback only.
    const answers: Answer[] = new Array(TOTAL);
    const t0 = Date.now();
    const stream = Promise.all(
      bodies.map(async (b, k) => {
        const due = t0 + Math.floor((k * SPREAD_MS) / TOTAL);
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        answers[k] = await post(b, b.id, 15_000); // beyond the gateway's 8 s deadline: its answer, not ours
      }),
    );
    // The kills: payments at a random moment in 1.5–5 s, the wallet in 4–8 s; each restarted at once.
    const killAt = { payments: 1500 + Math.floor(Math.random() * 3500), wallet: 4000 + Math.floor(Math.random() * 4000) };
    const chaos = Promise.all(
      (['payments', 'wallet'] as const).map(async (s) => {
        await new Promise((r) => setTimeout(r, Math.max(0, t0 + killAt[s] - Date.now())));
        const exit = await stack.kill(s, 'SIGKILL');
        expect(exit.signal).toBe('SIGKILL');
        await stack.start(s);
      }),
    );
    await Promise.all([stream, chaos]);
    process.stderr.write(`crash under load: payments killed at ${killAt.payments} ms, wallet at ${killAt.wallet} ms\n`);

    const byStatus = (list: Answer[]) =>
      list.reduce<Record<string, number>>((acc, a) => {
        const key = `${a.status}${a.body.error ? ` ${(a.body.error as { code: string }).code}` : a.body.status ? ` ${String(a.body.status)}` : ''}`;
        return { ...acc, [key]: (acc[key] ?? 0) + 1 };
      }, {});
    const firstAnswers = byStatus(answers);
    // Every 2xx the client saw was the truth (checked below against the final state); the rest are retried.
    const unacknowledged = bodies.filter((_, k) => !(answers[k].status === 200 || answers[k].status === 202 || answers[k].status === 400));
    expect(unacknowledged.length).toBeGreaterThan(0); // the kills hit something
    const finals = new Map<string, Answer>();
    bodies.forEach((b, k) => {
      if (!unacknowledged.includes(b)) finals.set(b.id, answers[k]);
    });
    await pool(unacknowledged, 10, async (b) => {
      finals.set(b.id, await retryUntilFinal(b, b.id, 90_000));
    });
    process.stderr.write(`crash under load: first answers ${JSON.stringify(firstAnswers)}, retried ${unacknowledged.length}\n`);

    // Every payment is final, and its stored state is what its client was told.
    const rows = await pg.query<{ id: string; status: string }>("select id, status from payments.payments where id like 'LOAD-%'");
    expect(rows.rows).toHaveLength(TOTAL);
    const stored = new Map(rows.rows.map((r) => [r.id, r.status]));
    for (const b of bodies) {
      const answer = finals.get(b.id)!;
      expect({ id: b.id, final: FINAL.includes(stored.get(b.id)!) }).toEqual({ id: b.id, final: true });
      expect({ id: b.id, told: answer.body.status }).toEqual({ id: b.id, told: stored.get(b.id) });
    }
    // Money moved exactly once per captured payment: every wallet's balance is its start plus its payment.
    const after = await balances(accounts);
    for (const b of bodies) expectMoneyMovedOnce(finals.get(b.id)!.body, b, before, after);
    const captured = [...stored.values()].filter((s) => s === 'CAPTURED').length;
    expect(captured).toBeGreaterThan(TOTAL / 2);
    await expectBooksClean();
  }, 240_000);
});
