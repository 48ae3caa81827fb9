import { Logger } from '@nestjs/common';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { mkdirSync } from 'node:fs';
import { Client, Pool } from 'pg';

/** The query API repositories use: identical on PostgreSQL and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

export interface DatabaseSettings {
  /** `postgres://…`: a real PostgreSQL. Without it, an embedded PGlite is used. */
  url?: string;
  /** PGlite data directory, or `memory://` for an in-memory database (tests). */
  pgliteDir: string;
  poolSize: number;
}

export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  ping(): Promise<void>;
  /** Applies this service's migrations into its own schema and migrations table. */
  migrate(schema: string, migrationsFolder: string): Promise<void>;
  close(): Promise<void>;
}

const log = new Logger('Database');

/**
 * PGlite is one connection per process: the monolith's five services share one instance per data
 * directory (reference counted), each in its own schema.
 */
const pgliteInstances = new Map<string, { lite: PGlite; db: Db; refs: number; closing?: Promise<void> }>();

function openPglite(dir: string): DatabaseHandle {
  let entry = pgliteInstances.get(dir);
  if (!entry) {
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    const lite = new PGlite(dir);
    entry = { lite, db: drizzlePglite(lite) as unknown as Db, refs: 0 };
    pgliteInstances.set(dir, entry);
  }
  entry.refs += 1;
  const e = entry;
  let closed = false;
  return {
    kind: 'pglite',
    db: e.db,
    async ping() {
      await e.lite.query('select 1');
    },
    async migrate(schema, migrationsFolder) {
      await migratePglite(e.db as never, { migrationsFolder, migrationsSchema: schema, migrationsTable: '__migrations' });
    },
    async close() {
      if (closed) return;
      closed = true;
      e.refs -= 1;
      if (e.refs === 0) {
        pgliteInstances.delete(dir);
        await e.lite.close();
      }
    },
  };
}

/** At most this many distinct statements are prepared per process (a connection keeps each it has used). */
const MAX_PREPARED = 1000;
const preparedNames = new Map<string, string>();

/** The server-side statement name for this query text, or undefined once the cap is reached. */
/**
 * A statement text starting with this is not prepared: PostgreSQL plans it at every execution.
 * For the batched statements that join a list of items to a table: a plan cached while the
 * table was still small would join it by scanning the whole table (a hash join), and keep
 * doing so as it grows; planned each time, the join uses the index (one plan per batch).
 */
export const PLAN_EACH_TIME = '/* planned each time */';

export function statementName(text: string): string | undefined {
  if (text.startsWith(PLAN_EACH_TIME)) return undefined;
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `pg${preparedNames.size}`;
    preparedNames.set(text, name);
  }
  return name;
}

/**
 * A client that prepares every parameterized statement once per connection (named, by its
 * text), so PostgreSQL parses and plans the hot path's statements once rather than per call.
 * The repositories' SQL is static text with `$n` parameters, so the set of names stays small.
 */
export class PreparingClient extends Client {
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const c = config as { text?: unknown; name?: unknown; submit?: unknown; values?: unknown } | null;
    const params = Array.isArray(values) ? values : (c as { values?: unknown } | null)?.values;
    if (
      c !== null &&
      typeof c === 'object' &&
      typeof c.submit !== 'function' &&
      c.name === undefined &&
      typeof c.text === 'string' &&
      Array.isArray(params) &&
      params.length > 0
    ) {
      const name = statementName(c.text);
      if (name) config = { ...c, name };
    }
    return (super.query as (...a: unknown[]) => never)(config, values, callback);
  }
}

function openPostgres(url: string, poolSize: number): DatabaseHandle {
  const pool = new Pool({ connectionString: url, max: poolSize, Client: PreparingClient });
  pool.on('error', (err) => log.warn(`idle PostgreSQL client error: ${err.message}`));
  // A checked-out client whose connection is cut (pg_terminate_backend, a server restart) emits
  // 'error' outside any query: without a listener that is an uncaught exception that kills the
  // process. The query in flight fails on its own; the pool drops the broken client on release.
  pool.on('connect', (client) => client.on('error', (err) => log.warn(`PostgreSQL connection lost: ${err.message}`)));
  const db = drizzlePg(pool) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    async ping() {
      await pool.query('select 1');
    },
    async migrate(schema, migrationsFolder) {
      // Replicas starting together: one migrates, the others wait for it, then find nothing to do.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock(hashtext($1))', [`paygate.migrate.${schema}`]);
        await migratePg(drizzlePg(client), { migrationsFolder, migrationsSchema: schema, migrationsTable: '__migrations' });
      } finally {
        await client.query('select pg_advisory_unlock(hashtext($1))', [`paygate.migrate.${schema}`]).catch(() => undefined);
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

export function openDatabase(settings: DatabaseSettings): DatabaseHandle {
  return settings.url ? openPostgres(settings.url, settings.poolSize) : openPglite(settings.pgliteDir);
}

/** Rows of a raw `sql` query, on either driver. */
export async function queryRows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}
