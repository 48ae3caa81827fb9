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
 * `set` clause parameters for some of a table's columns, by property name: each value encoded as
 * its column would (jsonb as JSON text, bigint and dates as text), numbered from `firstParam`.
 */
export function setClause<T extends PgTable>(
  table: T,
  values: Partial<T['$inferInsert']>,
  firstParam: number,
): { text: string; params: unknown[] } {
  const columns = getTableColumns(table);
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const column = columns[key];
    if (!column) throw new Error(`setClause: ${key} is not a column`);
    params.push(value === null ? null : column.mapToDriverValue(value));
    parts.push(`"${column.name}" = $${firstParam + params.length - 1}`);
  }
  return { text: parts.join(', '), params };
}
