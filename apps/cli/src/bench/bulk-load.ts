import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { SETTLEMENT_ACCOUNT } from '../../../wallet/src/domain/ledger';

/**
 * Bulk set-up for the `scale` bench: wallets and ledger history written by set-based SQL
 * (generate_series) straight into the wallet schema of the bench's own database, instead of one
 * repository call per row. What it writes is a ledger that `ledger:verify` accepts:
 *
 * - each wallet: an active USD `wallet` account of `mer_bench`, its balances row, and a deposit
 *   journal (`deposit:fund-<id>`, the wallet credited, `house:settlement` debited) funding it;
 * - history: transfer journals of two entries (`transfer:hist-<journal id>`, −amount on the
 *   source, +amount on the destination) among wallets `0 … N−1`, with exact running balances.
 *
 * The history goes in rounds of N journals: in round r, journal i moves `amount` from wallet i to
 * wallet (i + s) mod N, s = 1 + r mod (N − 1). Each wallet is debited once and credited once per
 * round, so its balance is back where the round started, and the balance after each entry is the
 * balance at the start of the load plus (credit already seen this round ? amount : 0) minus
 * (debit already seen ? amount : 0): closed form, no window function over millions of rows. Only
 * a last, partial round changes the final balances; they are brought to the sum of its entries.
 *
 * Journal and entry ids are reserved from their sequences and written explicitly, so the entry-id
 * order (the order `running_balance` checks in) is the order above. Nothing else may write to the
 * wallets while a load runs. Foreign-key triggers are skipped during the load when the role is a
 * superuser (session_replication_role = replica): every entry's journal is written just before it.
 */

export const BENCH_MERCHANT = 'mer_bench';
/** What each bulk-created wallet is funded with (minor units), as ledgerBench funds its own wallets. */
export const FUNDING_MINOR = 1_000_000_000n;
/** Moved by each historical transfer (minor units). */
export const HISTORY_AMOUNT_MINOR = 100n;
const ID_WIDTH = 8;
/** Rows per statement/transaction in a bulk load (progress is reported per chunk). */
const CHUNK = 500_000;

/** The id of bulk wallet n under a prefix; the SQL below builds the same (`prefix || lpad(n, 8, '0')`). */
export function benchWalletId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(ID_WIDTH, '0')}`;
}

type Say = (line: string) => void;

const quiet: Say = () => undefined;

async function reserveIds(c: Client, table: 'journals' | 'entries', count: number): Promise<bigint> {
  const seq = `pg_get_serial_sequence('wallet.${table}', 'id')`;
  const r = await c.query<{ first: string }>(`select nextval(${seq})::text as first`);
  const first = BigInt(r.rows[0].first);
  await c.query(`select setval(${seq}, $1::bigint)`, [(first + BigInt(count) - 1n).toString()]);
  return first;
}

async function inBulkTransaction<T>(c: Client, work: () => Promise<T>): Promise<T> {
  const su = await c.query<{ su: boolean }>('select rolsuper as su from pg_roles where rolname = current_user');
  await c.query('begin');
  try {
    if (su.rows[0]?.su) await c.query('set local session_replication_role = replica');
    const out = await work();
    await c.query('commit');
    return out;
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    throw e;
  }
}

/** How many bulk wallets of this prefix exist (they are numbered 0 … n−1). */
export async function countWallets(c: Client, prefix: string): Promise<number> {
  const r = await c.query<{ n: string }>(
    `select count(*)::text as n from wallet.accounts where merchant_id = $1 and id like $2 || '%' and kind = 'wallet'`,
    [BENCH_MERCHANT, prefix],
  );
  return Number(r.rows[0].n);
}

/**
 * Creates wallets `from … to−1` (ids `benchWalletId(prefix, n)`), each funded by a deposit journal.
 * Returns the seconds it took.
 */
export async function loadWallets(c: Client, o: { prefix: string; from: number; to: number; say?: Say }): Promise<number> {
  const say = o.say ?? quiet;
  const t0 = performance.now();
  for (let lo = o.from; lo < o.to; lo += CHUNK) {
    const hi = Math.min(o.to, lo + CHUNK);
    const n = hi - lo;
    await inBulkTransaction(c, async () => {
      const jb = await reserveIds(c, 'journals', n);
      const eb = await reserveIds(c, 'entries', 2 * n);
      const ids = `select g, $2::text || lpad(g::text, ${ID_WIDTH}, '0') as id from generate_series($3::bigint, $4::bigint - 1) g`;
      await c.query(
        `insert into wallet.accounts (merchant_id, id, kind, default_currency, status, allow_overdraft)
         select $1, id, 'wallet', 'USD', 'active', false from (${ids}) w`,
        [BENCH_MERCHANT, o.prefix, lo, hi],
      );
      await c.query(
        `insert into wallet.balances (merchant_id, account_id, currency, ledger_minor, held_minor)
         select $1, id, 'USD', $5::bigint, 0 from (${ids}) w`,
        [BENCH_MERCHANT, o.prefix, lo, hi, FUNDING_MINOR.toString()],
      );
      await c.query(
        `insert into wallet.journals (id, merchant_id, kind, reference)
         select $5::bigint + (g - $3::bigint), $1, 'deposit', 'deposit:fund-' || id from (${ids}) w`,
        [BENCH_MERCHANT, o.prefix, lo, hi, jb.toString()],
      );
      // Both legs of each deposit, in the lock order the repository posts them in (account id order).
      await c.query(
        `insert into wallet.entries (id, journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
         select $6::bigint + 2 * (g - $3::bigint) + case when id < $8 collate "C" then 0 else 1 end,
                $5::bigint + (g - $3::bigint), $1, id, 'USD', $7::bigint, $7::bigint
           from (${ids}) w
         union all
         select $6::bigint + 2 * (g - $3::bigint) + case when id < $8 collate "C" then 1 else 0 end,
                $5::bigint + (g - $3::bigint), $1, $8, 'USD', -$7::bigint, null
           from (${ids}) w`,
        [BENCH_MERCHANT, o.prefix, lo, hi, jb.toString(), eb.toString(), FUNDING_MINOR.toString(), SETTLEMENT_ACCOUNT],
      );
    });
    if (o.to - o.from > CHUNK) say(`  … ${hi.toLocaleString('en-US')} wallets, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Appends `entries` entries (rounded up to whole journals of two) of historical transfers among
 * wallets `0 … wallets−1` of this prefix, with exact running balances from the wallets' current
 * balances. Returns the seconds it took.
 */
export async function loadHistory(c: Client, o: { prefix: string; wallets: number; entries: number; say?: Say }): Promise<number> {
  const say = o.say ?? quiet;
  const n = o.wallets;
  if (n < 2) throw new Error('history needs at least 2 wallets');
  const journals = Math.ceil(o.entries / 2);
  const t0 = performance.now();
  if (journals === 0) return 0;
  // The balances every entry's running balance starts from (nothing else writes during the load).
  await c.query('drop table if exists pg_temp.scale_base');
  await c.query(
    `create temp table scale_base as
     select g::int as w, b.ledger_minor as b
       from generate_series(0, $3::int - 1) g
       join wallet.balances b on b.merchant_id = $1 and b.account_id = $2::text || lpad(g::text, ${ID_WIDTH}, '0') and b.currency = 'USD'`,
    [BENCH_MERCHANT, o.prefix, n],
  );
  const base = await c.query<{ n: string }>('select count(*)::text as n from scale_base');
  if (Number(base.rows[0].n) !== n) throw new Error(`expected ${n} wallets ${o.prefix}…, found ${base.rows[0].n} USD balances`);
  await c.query('alter table scale_base add primary key (w)');
  await c.query('analyze scale_base');
  let jb = 0n;
  let eb = 0n;
  for (let lo = 0; lo < journals; lo += CHUNK) {
    const hi = Math.min(journals, lo + CHUNK);
    await inBulkTransaction(c, async () => {
      // One reservation for the whole load, so its ids are contiguous across chunks.
      if (lo === 0) {
        jb = await reserveIds(c, 'journals', journals);
        eb = await reserveIds(c, 'entries', 2 * journals);
      }
      await c.query(
        `insert into wallet.journals (id, merchant_id, kind, reference)
         select $2::bigint + k, $1, 'transfer', 'transfer:hist-' || ($2::bigint + k)
           from generate_series($3::bigint, $4::bigint - 1) k`,
        [BENCH_MERCHANT, jb.toString(), lo, hi],
      );
      await c.query(
        `insert into wallet.entries (id, journal_id, merchant_id, account_id, currency, amount_minor, balance_after_minor)
         select $3::bigint + 2 * k + x.side, $2::bigint + k, $1, $6::text || lpad(x.w::text, ${ID_WIDTH}, '0'), 'USD',
                x.amount, sb.b + x.offset_after
           from generate_series($4::bigint, $5::bigint - 1) k
          cross join lateral (select (k % $7::int)::int as i, (1 + (k / $7::int) % ($7::int - 1))::int as s) q
          cross join lateral (values
                 (0, q.i, -$8::bigint, case when q.i >= q.s then 0 else -$8::bigint end),
                 (1, (q.i + q.s) % $7::int, $8::bigint, case when (q.i + q.s) % $7::int >= q.s then $8::bigint else 0 end)
               ) as x(side, w, amount, offset_after)
          join scale_base sb on sb.w = x.w`,
        [BENCH_MERCHANT, jb.toString(), eb.toString(), lo, hi, o.prefix, n, HISTORY_AMOUNT_MINOR.toString()],
      );
      if (hi === journals) {
        // A last, partial round leaves some wallets up or down by `amount`: balances = start + its entries.
        const partial = journals % n;
        if (partial > 0) {
          await c.query(
            `update wallet.balances b set ledger_minor = b.ledger_minor + d.net, updated_at = now()
               from (select account_id, sum(amount_minor) as net from wallet.entries
                      where id >= $2::bigint and id < $3::bigint group by account_id) d
              where b.merchant_id = $1 and b.account_id = d.account_id and b.currency = 'USD' and d.net <> 0`,
            [BENCH_MERCHANT, (eb + 2n * BigInt(journals - partial)).toString(), (eb + 2n * BigInt(journals)).toString()],
          );
        }
      }
    });
    if (journals > CHUNK) say(`  … ${(2 * hi).toLocaleString('en-US')} entries, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await c.query('drop table if exists pg_temp.scale_base');
  return (performance.now() - t0) / 1000;
}

/**
 * After a bulk load: VACUUM (ANALYZE) the wallet tables, so the planner has statistics and the
 * insert-triggered autovacuum does not start in the middle of the measurement. Returns the seconds.
 */
export async function analyzeWallet(c: Client): Promise<number> {
  const t0 = performance.now();
  await c.query('vacuum (analyze) wallet.accounts, wallet.balances, wallet.journals, wallet.entries');
  return (performance.now() - t0) / 1000;
}

export async function countEntries(c: Client): Promise<number> {
  const r = await c.query<{ n: string }>('select count(*)::text as n from wallet.entries');
  return Number(r.rows[0].n);
}
