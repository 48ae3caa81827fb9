import { sql } from 'drizzle-orm';
import { TestDatabase, createTestDatabase } from '@paygate/testing';
import { DatabaseHandle, PLAN_EACH_TIME, openDatabase, queryRows, statementName } from './database';
import { runStatement } from './statements';

describe('runStatement', () => {
  let testDb: TestDatabase;
  const handles: DatabaseHandle[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await testDb?.drop();
  });

  it('on PostgreSQL, a statement is prepared once per connection and reused', async () => {
    const h = openDatabase({ url: testDb.url, pgliteDir: '', poolSize: 1 });
    handles.push(h);
    const text = 'select $1::int + 1 as n, $2::text as t';
    for (let i = 0; i < 3; i++) expect(await runStatement(h.db, text, [i, 'x'])).toEqual([{ n: i + 1, t: 'x' }]);
    // One connection in the pool: the prepared statements listed are that connection's.
    const prepared = await queryRows<{ statement: string }>(h.db, sql`select statement from pg_prepared_statements`);
    expect(prepared.filter((p) => p.statement === text)).toHaveLength(1);
  });

  it('inside a transaction, and on PGlite, it runs on the same handle with the same rows', async () => {
    const pg = openDatabase({ url: testDb.url, pgliteDir: '', poolSize: 2 });
    const lite = openDatabase({ pgliteDir: 'memory://', poolSize: 1 });
    handles.push(pg, lite);
    for (const h of [pg, lite]) {
      const rows = await h.db.transaction((tx) => runStatement<{ n: string }>(tx, 'select ($1::bigint * 2)::text as n', ['21']));
      expect(rows).toEqual([{ n: '42' }]);
    }
  });

  it('a statement marked PLAN_EACH_TIME is not prepared (planned at every execution); others are named once', async () => {
    expect(statementName(`${PLAN_EACH_TIME} select $1::int`)).toBeUndefined();
    const h = openDatabase({ url: testDb.url, pgliteDir: '', poolSize: 1 });
    handles.push(h);
    const text = `${PLAN_EACH_TIME} select $1::int * 2 as n`;
    expect(await runStatement(h.db, text, [21])).toEqual([{ n: 42 }]);
    const prepared = await queryRows<{ statement: string }>(h.db, sql`select statement from pg_prepared_statements`);
    expect(prepared.filter((p) => p.statement === text)).toHaveLength(0);
    expect(statementName('select $1::int + 100')).toBe(statementName('select $1::int + 100'));
  });
});
