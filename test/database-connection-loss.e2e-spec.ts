import { Client } from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '@paygate/database';
import type { DatabaseHandle } from '@paygate/database';
import { createTestDatabase } from '@paygate/testing';
import type { TestDatabase } from '@paygate/testing';
import { isConnectionLoss } from '@paygate/transport';
import { eventually } from './support/eventually';

/**
 * libs/database's pool when PostgreSQL cuts a connection that is checked out (pg_terminate_backend
 * in the middle of a transaction): the transaction fails with a connection-loss error (answered 503
 * by the error model), the process does not die of an unhandled 'error' event, and the next query
 * gets a fresh connection. The full fault test is test/faults.e2e-spec.ts.
 */
describe('database: a connection killed while checked out', () => {
  let tdb: TestDatabase;
  let handle: DatabaseHandle;
  let admin: Client;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    handle = openDatabase({ url: tdb.url, pgliteDir: '', poolSize: 2 });
    admin = new Client({ connectionString: tdb.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await handle?.close();
    await tdb?.drop();
  });

  it('fails the transaction as a connection loss, and the pool recovers', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    // Jest would turn an uncaught exception into a failure anyway; record it to say what it was.
    process.on('uncaughtException', onUncaught);
    try {
      const tx = handle.db.transaction(async (t) => {
        const [{ pid }] = await queryRows<{ pid: number }>(t as never, sql`select pg_backend_pid() as pid`);
        await admin.query('select pg_terminate_backend($1)', [pid]);
        // Wait (observing the server) until the backend is gone, while this client is still checked out.
        await eventually(
          async () => ((await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 0 ? true : undefined),
          5000,
          'the backend to be gone',
        );
        await t.execute(sql`select 1`);
      });
      const err = await tx.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeDefined();
      expect(isConnectionLoss(err)).toBe(true);
      expect(uncaught).toEqual([]);
      // The broken client was dropped: the next queries work.
      for (let i = 0; i < 3; i++) await handle.ping();
      const rows = await queryRows<{ one: number }>(handle.db, sql`select 1 as one`);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
