import { Client } from 'pg';
import { openDatabase } from '@paygate/database';
import type { DatabaseHandle } from '@paygate/database';
import { reconcile } from '../apps/cli/src/reconcile/reconcile';
import { verifyLedger } from '../apps/wallet/src/persistence/ledger-verify';
import { eventually } from './support/eventually';
import { PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { RestartableNats, startRestartableNats } from './support/private-nats';
import { Stack, startStack } from './support/stack';

/**
 * Faults in the separate-services mode (DESIGN §3, issue 11): the five services run as separate
 * processes (test/support/stack.ts) against a NATS and a PostgreSQL this file starts itself on
 * private loopback ports (the machine's shared ones are never touched). Under a bounded open-loop
 * stream of payments through the gateway:
 *   1. NATS is stopped for 10 s, then started again on the same port and store directory;
 *   2. PostgreSQL's connections to the services' database are killed, repeatedly, then the
 *      server is restarted (`pg_ctl restart -m fast`).
 * During the fault every request answers within its deadline (REQUEST_BUDGET_MS = 3 s) + 1 s,
 * and what fails is a 503 with a code in the error envelope (never a 500, never a hang). After
 * it, within 10 s a whole window of new requests succeeds (≥ 99%), every acknowledged payment is
 * stored with the status its client was told, the unacknowledged ones finish when retried with
 * their keys, and payments:reconcile and ledger:verify are clean.
 */

interface PaymentBody {
  id: string;
  currency: string;
  amount: string;
  source_account: string;
  destination_account: string;
}

interface Answer {
  /** HTTP status, or 0 when the request got no answer in time (or the connection broke). */
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

interface Sent {
  body: PaymentBody;
  answer: Answer;
  sentAt: number;
}

const BUDGET_MS = 3000;
/** The most a request may take: its deadline + 1 s. */
const MAX_ANSWER_MS = BUDGET_MS + 1000;
const RATE_PER_S = 20;
const FINAL = ['CAPTURED', 'AUTHORIZED', 'PENDING', 'FAILED'];
/** A final answer: a 2xx, or a 400 carrying a declined payment. */
const isFinal = (a: Answer) => a.status === 200 || a.status === 202 || (a.status === 400 && a.body.status === 'FAILED');
const codeOf = (a: Answer) => (a.body.error as { code?: string } | undefined)?.code;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

describe('faults survived: NATS stopped, PostgreSQL connections killed (separate processes)', () => {
  let pgServer: PrivatePostgres;
  let nats: RestartableNats;
  let stack: Stack;
  let admin: Client;
  let databaseUrl: string;
  let next = 0;
  const DB = 'paygate_faults';

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    databaseUrl = await pgServer.createDatabase(DB);
    nats = await startRestartableNats();
    stack = await startStack({
      natsUrl: nats.url,
      databaseUrl,
      env: {
        REQUEST_BUDGET_MS: String(BUDGET_MS),
        PAYMENTS_LEASE_GRACE_MS: '500',
        PAYMENTS_RECOVERY_INTERVAL_MS: '200',
        PAYMENTS_RECOVERY_LEASE_MS: '1500',
      },
      keepLogs: process.env.PAYGATE_KEEP_STACK_LOGS === '1',
    });
  }, 900_000); // the first run builds the services (test/support/stack.ts ensureBuilt)

  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await stack?.stop();
    await nats?.dispose();
    await pgServer?.stop();
  }, 60_000);

  async function adminClient(): Promise<Client> {
    // Connected to the `postgres` database: the kills below never cut the test's own connection.
    if (!admin) {
      admin = new Client({ connectionString: pgServer.url });
      admin.on('error', () => undefined);
      await admin.connect();
    }
    return admin;
  }

  function newBody(prefix: string): PaymentBody {
    const k = next++;
    const n = String(2000 + k).padStart(4, '0');
    return {
      id: `${prefix}-${k}`,
      currency: k % 5 === 0 ? 'GBP' : 'USD',
      amount: `${1 + (k % 90)}.${String(k % 100).padStart(2, '0')}`,
      source_account: `ACC_SRC_${n}`,
      destination_account: `ACC_DST_${n}`,
    };
  }

  async function post(body: PaymentBody, timeoutMs = MAX_ANSWER_MS + 4000): Promise<Answer> {
    const t0 = Date.now();
    try {
      const res = await fetch(`${stack.urls.gateway}/payments`, {
        method: 'POST',
        headers: { ...stack.auth(), 'Content-Type': 'application/json', 'Idempotency-Key': `key-${body.id}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { unparsable: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed, ms: Date.now() - t0 };
    } catch {
      return { status: 0, body: {}, ms: Date.now() - t0 };
    }
  }

  /** A bounded open-loop stream: `count` payments at RATE_PER_S, each sent on its schedule whatever the others do. */
  async function stream(prefix: string, count: number): Promise<Sent[]> {
    const t0 = Date.now();
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const body = newBody(prefix);
        await sleep(t0 + Math.floor((i * 1000) / RATE_PER_S) - Date.now());
        const sentAt = Date.now();
        return { body, answer: await post(body), sentAt };
      }),
    );
  }

  /** Every answer in time (deadline + 1 s), and every answer that is not final a 503 with a code. */
  function expectGracefulDuring(sent: Sent[]) {
    const late = sent.filter((s) => s.answer.ms > MAX_ANSWER_MS).map((s) => ({ id: s.body.id, ms: s.answer.ms, status: s.answer.status }));
    expect(late).toEqual([]);
    const bad = sent
      .filter((s) => !isFinal(s.answer))
      .filter((s) => !(s.answer.status === 503 && typeof codeOf(s.answer) === 'string' && codeOf(s.answer)!.length > 0))
      .map((s) => ({ id: s.body.id, status: s.answer.status, body: s.answer.body }));
    expect(bad).toEqual([]);
  }

  function summary(sent: Sent[]): Record<string, number> {
    return sent.reduce<Record<string, number>>((acc, s) => {
      const key = `${s.answer.status} ${codeOf(s.answer) ?? String(s.answer.body.status ?? '')}`.trim();
      return { ...acc, [key]: (acc[key] ?? 0) + 1 };
    }, {});
  }

  /**
   * After the fault: windows of 2 s of traffic until one succeeds as a whole (≥ 99%); the first
   * such window must start within 10 s of the restore. Bounded at 30 s.
   */
  async function recoveredWithin(restoredAt: number, prefix: string): Promise<{ ms: number; sent: Sent[] }> {
    const all: Sent[] = [];
    for (;;) {
      const windowStart = Date.now();
      const window = await stream(prefix, 2 * RATE_PER_S);
      all.push(...window);
      const ok = window.filter((s) => isFinal(s.answer)).length;
      if (ok / window.length >= 0.99) return { ms: windowStart - restoredAt, sent: all };
      if (Date.now() - restoredAt > 30_000) {
        throw new Error(`not recovered 30 s after the fault: last window ${JSON.stringify(summary(window))}`);
      }
    }
  }

  /** The client's retry: same key, same body, until a final answer (pausing 200 ms). */
  async function retryUntilFinal(body: PaymentBody, timeoutMs = 60_000): Promise<Answer> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const a = await post(body);
      if (isFinal(a)) return a;
      if (a.status === 409 && codeOf(a) !== 'IDEMPOTENCY_IN_PROGRESS')
        throw new Error(`unexpected 409 for ${body.id}: ${JSON.stringify(a.body)}`);
      if (a.status !== 0 && a.status !== 409 && a.status !== 429 && a.status < 500) {
        throw new Error(`unexpected answer for ${body.id}: ${a.status} ${JSON.stringify(a.body)}`);
      }
      if (Date.now() > until)
        throw new Error(`no final answer for ${body.id} in ${timeoutMs} ms (last: ${a.status} ${JSON.stringify(a.body)})`);
      await sleep(200);
    }
  }

  /** Nothing acknowledged is missing, the rest finish on retry, every stored state is final and what its client was told, books clean. */
  async function expectConsistentAfter(sent: Sent[]) {
    const finals = new Map<string, Answer>();
    const unacknowledged = sent.filter((s) => !isFinal(s.answer));
    for (const s of sent) if (isFinal(s.answer)) finals.set(s.body.id, s.answer);
    let nextItem = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (nextItem < unacknowledged.length) {
          const s = unacknowledged[nextItem++];
          finals.set(s.body.id, await retryUntilFinal(s.body));
        }
      }),
    );
    const c = new Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const rows = await c.query<{ id: string; status: string }>('select id, status from payments.payments where id = any($1)', [
        sent.map((s) => s.body.id),
      ]);
      const stored = new Map(rows.rows.map((r) => [r.id, r.status]));
      const wrong = sent
        .map((s) => ({ id: s.body.id, told: finals.get(s.body.id)!.body.status, stored: stored.get(s.body.id) }))
        .filter((x) => x.told !== x.stored || !FINAL.includes(String(x.stored)));
      expect(wrong).toEqual([]);
      // The outbox relay resumed: every payment event is published to JetStream again.
      await eventually(
        async () => {
          const r = await c.query<{ n: string }>('select count(*)::text as n from payments.payment_events where published_at is null');
          return r.rows[0].n === '0' ? true : undefined;
        },
        20_000,
        'the outbox relay to publish every payment event',
      );
    } finally {
      await c.end();
    }
    const handle: DatabaseHandle = openDatabase({ url: databaseUrl, pgliteDir: '', poolSize: 2 });
    try {
      const r = await reconcile(handle.db);
      expect(r.mismatches).toEqual([]);
      const v = await verifyLedger(handle.db);
      expect(v.violations).toEqual([]);
      expect(v.ok).toBe(true);
    } finally {
      await handle.close();
    }
    return unacknowledged.length;
  }

  it('NATS stopped for 10 s under load: 503s with a code in time, recovered within 10 s, nothing acknowledged lost, books clean', async () => {
    // 2 s of normal traffic, 10 s of outage, 2 s after: one open-loop stream across all of it.
    const load = stream('NATS', 14 * RATE_PER_S);
    await sleep(2000);
    await nats.stop();
    const stoppedAt = Date.now();
    await sleep(10_000);
    await nats.start();
    const restoredAt = Date.now();
    process.stderr.write(`faults: NATS down for ${restoredAt - stoppedAt} ms\n`);
    const during = await load;
    expectGracefulDuring(during);
    expect(during.filter((s) => s.answer.status === 503).length).toBeGreaterThan(0); // the outage was seen

    const after = await recoveredWithin(restoredAt, 'NATS-AFTER');
    process.stderr.write(
      `faults: NATS: during ${JSON.stringify(summary(during))}; recovered ${after.ms} ms after the restore; after ${JSON.stringify(summary(after.sent))}\n`,
    );
    expect(after.ms).toBeLessThanOrEqual(10_000);
    const retried = await expectConsistentAfter([...during, ...after.sent]);
    process.stderr.write(`faults: NATS: ${retried} unacknowledged payments retried to a final answer\n`);
    for (const s of ['wallet', 'fx', 'risk', 'payments', 'gateway'] as const) expect(stack.running(s)).toBe(true);
  }, 150_000);

  it('PostgreSQL connections killed under load, then a restart: 503s with a code in time, recovered within 10 s, books clean', async () => {
    const pg = await adminClient();
    const load = stream('PGKILL', 12 * RATE_PER_S);
    // Every backend of the services' database terminated at 1.5 s, 3 s and 4.5 s into the stream.
    const t0 = Date.now();
    let killed = 0;
    for (const at of [1500, 3000, 4500]) {
      await sleep(t0 + at - Date.now());
      const r = await pg.query<{ t: boolean }>(
        'select pg_terminate_backend(pid) as t from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [DB],
      );
      killed += r.rows.filter((x) => x.t).length;
    }
    // Then the server itself restarts (every connection cut, refused until it is back) at 6.5 s.
    await sleep(t0 + 6500 - Date.now());
    await admin.end().catch(() => undefined);
    admin = undefined as unknown as Client;
    await pgServer.restart();
    const restoredAt = Date.now();
    const during = await load;
    process.stderr.write(`faults: PostgreSQL: ${killed} connections terminated, then restarted\n`);
    expect(killed).toBeGreaterThan(0);
    expectGracefulDuring(during);

    const after = await recoveredWithin(restoredAt, 'PG-AFTER');
    process.stderr.write(
      `faults: PostgreSQL: during ${JSON.stringify(summary(during))}; recovered ${after.ms} ms after the restart; after ${JSON.stringify(summary(after.sent))}\n`,
    );
    expect(after.ms).toBeLessThanOrEqual(10_000);
    const retried = await expectConsistentAfter([...during, ...after.sent]);
    process.stderr.write(`faults: PostgreSQL: ${retried} unacknowledged payments retried to a final answer\n`);
    for (const s of ['wallet', 'fx', 'risk', 'payments', 'gateway'] as const) expect(stack.running(s)).toBe(true);
  }, 150_000);
});
