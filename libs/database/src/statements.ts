import { getTableColumns } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './database';

interface PgLikeClient {
  query(config: { text: string }, values: unknown[]): Promise<{ rows: unknown[] }>;
}
interface PgliteLikeClient {
  exec(sql: string): Promise<unknown>;
  query(text: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a fixed statement (SQL text with `$n` parameters, written once) on the driver under a
 * drizzle handle or transaction, PostgreSQL or PGlite, without building the query per call: the
 * hot path's statements. On PostgreSQL it is prepared once per connection (PreparingClient).
 * Rows come back as the driver gives them: cast bigint results to text, or map them with
 * `rowOf`, which reads every driver's values.
 */
export async function runStatement<T>(db: Db, text: string, params: readonly unknown[]): Promise<T[]> {
  const client = (db as unknown as { session?: { client?: PgLikeClient | PgliteLikeClient } }).session?.client;
  if (!client) throw new Error('runStatement: this database handle has no driver client');
  const values = [...params];
  const res =
    typeof (client as PgliteLikeClient).exec === 'function'
      ? await (client as PgliteLikeClient).query(text, values)
      : await (client as PgLikeClient).query({ text }, values);
  return res.rows as T[];
}

/** A raw row (database column names, any driver's values) as the table's typed row, as drizzle maps its own. */
export function rowOf<T extends PgTable>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T['$inferSelect'];
}

/**
 * Some of a table's columns as a JSON object by database column name, for
 * `jsonb_populate_record(row, patch)` in a batched update: each value as its column's input
 * text (bigint and dates as text), json and jsonb columns as the JSON value itself.
 */
export function jsonPatch<T extends PgTable>(table: T, values: Partial<T['$inferInsert']>): Record<string, unknown> {
  const columns = getTableColumns(table);
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const column = columns[key];
    if (!column) throw new Error(`jsonPatch: ${key} is not a column`);
    const json = column.columnType === 'PgJsonb' || column.columnType === 'PgJson';
    if (value === null || json) {
      patch[column.name] = value;
      continue;
    }
    const driven: unknown = column.mapToDriverValue(value);
    patch[column.name] = typeof driven === 'bigint' ? driven.toString() : driven instanceof Date ? driven.toISOString() : driven;
  }
  return patch;
}
