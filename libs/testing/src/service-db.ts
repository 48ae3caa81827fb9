import { randomBytes } from 'node:crypto';
import { DatabaseHandle, Db, migrationsFolder, openDatabase } from '@paygate/database';
import { TestDatabase, createTestDatabase } from './postgres';

/** The two databases every repository is tested against. */
export type Driver = 'postgres' | 'pglite';
export const DRIVERS: Driver[] = ['postgres', 'pglite'];

export interface ServiceTestDb {
  driver: Driver;
  handle: DatabaseHandle;
  db: Db;
  /** The PostgreSQL database (postgres driver only). */
  testDb?: TestDatabase;
  close(): Promise<void>;
}

/**
 * A migrated database for one service's repository tests: a fresh PostgreSQL database of its own
 * (dropped on close) or an in-memory PGlite, with the service's migrations applied to its schema.
 */
export async function openServiceTestDb(
  driver: Driver,
  service: string,
  opts: { schema?: string; poolSize?: number; beforeMigrate?: (testDb: TestDatabase) => Promise<void> } = {},
): Promise<ServiceTestDb> {
  let testDb: TestDatabase | undefined;
  let handle: DatabaseHandle;
  if (driver === 'postgres') {
    testDb = await createTestDatabase();
    await opts.beforeMigrate?.(testDb);
    handle = openDatabase({ url: testDb.url, pgliteDir: '', poolSize: opts.poolSize ?? 12 });
  } else {
    handle = openDatabase({ pgliteDir: `memory://${service}-test-${randomBytes(4).toString('hex')}`, poolSize: 1 });
  }
  await handle.migrate(opts.schema ?? service, migrationsFolder(service));
  return {
    driver,
    handle,
    db: handle.db,
    testDb,
    async close() {
      await handle.close();
      await testDb?.drop();
    },
  };
}
