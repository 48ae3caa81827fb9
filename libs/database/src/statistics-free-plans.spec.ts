import { Client } from 'pg';
import { TestDatabase, createTestDatabase } from '@paygate/testing';
import { openDatabase } from './database';
import { migrationsFolder } from './paths';

/**
 * Statements are prepared once per connection, and PostgreSQL soon caches one generic plan for
 * each. A plan made while a table is new has no statistics to go by (and none come where
 * autovacuum is off, as on the CI machine): if two indexes share a leading column, the planner
 * may use one index's prefix for a lookup meant for the other, and that plan then scans every
 * row of the merchant on each call. Measured: a payment read ~3,000 tuples, PostgreSQL's CPU per
 * payment was 3.1 ms instead of 1.4. So every index leads with its own selective column, and
 * here the generic plans of the hot lookups, on freshly migrated empty tables, must use the
 * column they look up in their index condition.
 */
describe('lookups on tables without statistics (generic plans)', () => {
  let testDb: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const handle = openDatabase({ url: testDb.url, pgliteDir: '', poolSize: 1 });
    try {
      for (const [service, schema] of [
        ['payments', 'payments'],
        ['risk', 'risk'],
        ['fx', 'fx'],
        ['wallet', 'wallet'],
      ]) {
        await handle.migrate(schema, migrationsFolder(service));
      }
    } finally {
      await handle.close();
    }
    client = new Client({ connectionString: testDb.url });
    await client.connect();
    await client.query('set plan_cache_mode = force_generic_plan');
  });
  afterAll(async () => {
    await client?.end();
    await testDb?.drop();
  });

  /** The index conditions of the statement's generic plan (as EXPLAIN prints them). */
  async function indexConditions(name: string, types: string, text: string, args: string): Promise<string[]> {
    await client.query(`prepare ${name}(${types}) as ${text}`);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain execute ${name}(${args})`);
    return rows.map((r) => r['QUERY PLAN']).filter((line) => line.includes('Index Cond'));
  }

  it.each([
    [
      'a payment by id (find, and the fenced updates of an attempt)',
      'text, text',
      `select * from payments.payments where merchant_id = $1 and id = $2 and status = 'PROCESSING'`,
      `'m', 'pay_1'`,
      /\(id = \$2\)/,
    ],
    [
      'a payment by idempotency key',
      'text, text',
      `select * from payments.payments where merchant_id = $1 and idempotency_key = $2`,
      `'m', 'k'`,
      /idempotency_key = \$2/,
    ],
    [
      'a risk decision by payment',
      'text, text',
      `select * from risk.decisions where merchant_id = $1 and payment_id = $2`,
      `'m', 'pay_1'`,
      /payment_id = \$2/,
    ],
    // risk.newest_decision (PL/pgSQL, so this plan is kept): with id last in the account index
    // (risk migration 0007), the newest decision is the first entry of a backward scan; before,
    // every decision of the account was sorted, and a generic plan on an empty table sorted every
    // decision of the merchant.
    [
      "an account's newest decision",
      'text, text',
      `select id from risk.decisions where merchant_id = $1 and account = $2 and payment_id is not null order by created_at desc, id desc limit 1`,
      `'m', 'ACC_1'`,
      /account = \$2/,
    ],
    [
      'an FX conversion by reference',
      'text, text',
      `select * from fx.conversions where merchant_id = $1 and reference = $2`,
      `'m', 'pay_1'`,
      /reference = \$2/,
    ],
    [
      'a ledger journal by reference',
      'text, text',
      `select id from wallet.journals where merchant_id = $1 and reference = $2`,
      `'m', 'transfer:r'`,
      /reference = \$2/,
    ],
    [
      'wallets with their balances (a batch of balance reads)',
      'text, text[]',
      `select a.id, b.currency from wallet.accounts a
         left join wallet.balances b on b.merchant_id = a.merchant_id and b.account_id = a.id
        where a.merchant_id = $1 and a.id = any($2::text[]) and a.kind = 'wallet' order by a.id, b.currency`,
      `'m', array['ACC_1', 'ACC_2']`,
      /id = ANY \(\$2\)/,
    ],
    [
      'a wallet with its currencies (wallet.find_accounts, one per id)',
      'text, text',
      `select a.id, array(select b.currency::text from wallet.balances b
                           where b.merchant_id = a.merchant_id and b.account_id = a.id order by b.currency)
         from wallet.accounts a where a.merchant_id = $1 and a.id = $2 and a.kind = 'wallet'`,
      `'m', 'ACC_1'`,
      /\(id = \$2\)[\s\S]*account_id = a\.id|account_id = a\.id[\s\S]*\(id = \$2\)/,
    ],
    [
      "a batch's balance row, locked (wallet.post_transfers, one per row)",
      'text, text, bpchar',
      `select 1 from wallet.balances b where b.merchant_id = $1 and b.account_id = $2 and b.currency = $3 for update`,
      `'m', 'ACC_1', 'USD'`,
      /account_id = \$2/,
    ],
    [
      "the outbox relay's claim: events by id, each with its payment",
      'integer',
      `with c as (
         update payments.payment_events e set claimed_until = now()
          where e.id = any(array(select u.id from payments.payment_events u
                                  where u.published_at is null order by u.id limit $1 for update skip locked))
         returning e.*)
       select c.id, p.status from c
         left join lateral (select * from payments.payments p where p.merchant_id = c.merchant_id and p.id = c.payment_id limit 1) p on true`,
      `100`,
      /id = ANY[\s\S]*\(id = c\.payment_id\)/,
    ],
  ])('%s', async (_what, types, text, args, lookedUp) => {
    const name = `s_${Math.random().toString(36).slice(2, 10)}`;
    const conditions = await indexConditions(name, types, text, args);
    expect(conditions.length).toBeGreaterThan(0);
    expect(conditions.join('\n')).toMatch(lookedUp);
  });
  it("an account's newest decision is the first entry of a backward scan, not a sort of the account's decisions", async () => {
    await client.query(`prepare newest_plan(text, text) as
      select d.id from risk.decisions d where d.merchant_id = $1 and d.account = $2 and d.payment_id is not null
       order by d.created_at desc, d.id desc limit 1`);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain execute newest_plan('m', 'ACC_1')`);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index Scan Backward using decisions_account_created_idx/);
    expect(plan).not.toMatch(/Sort/);
  });
});
