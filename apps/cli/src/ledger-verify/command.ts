/**
 * `paygate ledger:verify`: checks every ledger invariant over the whole wallet database (all
 * merchants) and prints a report. Read-only: connects, verifies in one read-only snapshot,
 * migrates nothing. Exit codes: 0 clean, 1 violations found, 2 bad usage, 3 could not verify
 * (database unreachable, no PGlite data there, no wallet schema).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { DatabaseHandle, openDatabase, queryRows } from '@paygate/database';
import { LedgerReport, verifyLedger } from '../../../wallet/src/persistence/ledger-verify';

/** Where `npm start` (the monolith) keeps its PGlite data: `<DATA_DIR or ./data>/monolith` (see `pgliteDirOf`). */
export const defaultPgliteDir = (env: NodeJS.ProcessEnv = process.env): string => join(env.DATA_DIR ?? 'data', 'monolith');

export const USAGE = `usage: paygate ledger:verify [options]      (npm run ledger:verify -- [options])

Checks the wallet ledger's invariants over the whole database, per merchant, and reports every
violation: journals balance per currency and have entries; wallet balances equal the sum of their
entries, with correct running balances; no wallet below zero without overdraft; held equals the
active holds; house accounts have no balances rows; reversals never give back more than the
original transfer. Read-only: nothing is migrated or written.

database (one of):
  DATABASE_URL=postgres://…   a PostgreSQL database (used unless --pglite is given)
  --pglite <dir>              a PGlite data directory (default without DATABASE_URL:
                              $DATA_DIR/monolith, i.e. ./data/monolith as \`npm start\` uses;
                              a standalone wallet service keeps its own in $DATA_DIR/wallet).
                              Stop the process that uses it first: PGlite is single-process.

options:
  --json                      machine-readable report on stdout
  --max-violations <n>        list at most n violations (default 100; all are counted)
  -h, --help                  show this help

exit codes: 0 clean, 1 violations found, 2 bad usage, 3 could not verify (no database there,
unreachable, or not migrated)
`;

export interface LedgerVerifyIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

interface Options {
  target: { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };
  json: boolean;
  maxViolations: number;
}

class UsageError extends Error {}

function parse(argv: string[], io: LedgerVerifyIo): Options | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        pglite: { type: 'string' },
        json: { type: 'boolean' },
        'max-violations': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;
  let maxViolations = 100;
  if (values['max-violations'] !== undefined) {
    const text = values['max-violations'];
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`--max-violations must be a whole number, got "${text}"`);
    }
    maxViolations = Number(text);
  }
  if (values.pglite === '') throw new UsageError('--pglite must name a directory');
  const url = io.env.DATABASE_URL?.trim();
  const target: Options['target'] =
    values.pglite === undefined && url
      ? { kind: 'postgres', url }
      : { kind: 'pglite', dir: resolve(io.cwd, values.pglite ?? defaultPgliteDir(io.env)) };
  return { target, json: values.json ?? false, maxViolations };
}

/** Where the report came from, for humans: the URL without its password. */
function describeTarget(t: Options['target']): string {
  if (t.kind === 'pglite') return `PGlite ${t.dir}`;
  try {
    const u = new URL(t.url);
    if (u.password) u.password = '***';
    return `PostgreSQL ${u.toString()}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

export function formatReport(report: LedgerReport, source: string): string {
  const out: string[] = [];
  const c = report.checked;
  out.push(`ledger:verify — ${source}`);
  out.push(`checked ${c.merchants} merchants: ${c.journals} journals, ${c.entries} entries, ${c.balances} balances, ${c.holds} holds`, '');
  for (const check of report.checks) {
    const mark = check.violations === 0 ? '✓' : '✗';
    const count = check.violations === 0 ? '' : `  (${check.violations} violation${check.violations === 1 ? '' : 's'})`;
    out.push(`  ${mark} ${check.check.padEnd(25)} ${check.description}${count}`);
  }
  out.push('');
  if (report.ok) {
    out.push('OK: every invariant holds.');
  } else {
    out.push(`FAILED: ${report.violationCount} violation${report.violationCount === 1 ? '' : 's'}`);
    for (const v of report.violations) out.push(`  ✗ [${v.check}] merchant ${v.merchantId}: ${v.detail}`);
    const hidden = report.violationCount - report.violations.length;
    if (hidden > 0) out.push(`  … and ${hidden} more (--max-violations to list more)`);
  }
  return `${out.join('\n')}\n`;
}

export async function run(
  argv: string[],
  io: LedgerVerifyIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
): Promise<number> {
  let opts: Options | undefined;
  try {
    opts = parse(argv, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`ledger:verify: ${err.message}\n(paygate ledger:verify --help lists the options)\n`);
    return 2;
  }
  if (!opts) {
    io.stdout.write(USAGE);
    return 0;
  }
  const source = describeTarget(opts.target);
  // Opening a PGlite directory that does not exist would create an empty database there: refuse instead.
  if (opts.target.kind === 'pglite' && !existsSync(join(opts.target.dir, 'PG_VERSION'))) {
    io.stderr.write(
      `ledger:verify: no PGlite database in ${opts.target.dir}\n` +
        '(pass --pglite <dir>, or set DATABASE_URL for PostgreSQL; paygate ledger:verify --help)\n',
    );
    return 3;
  }

  let handle: DatabaseHandle | undefined;
  let report: LedgerReport;
  try {
    handle =
      opts.target.kind === 'postgres'
        ? openDatabase({ url: opts.target.url, pgliteDir: '', poolSize: 1 })
        : openDatabase({ pgliteDir: opts.target.dir, poolSize: 1 });
    const [schema] = await queryRows<{ ok: boolean }>(handle.db, sql`select to_regclass('wallet.journals') is not null as ok`);
    if (!schema.ok) {
      io.stderr.write(`ledger:verify: ${source} has no wallet schema (was the wallet service ever started against it?)\n`);
      return 3;
    }
    report = await verifyLedger(handle.db, { maxViolations: opts.maxViolations });
  } catch (err) {
    io.stderr.write(`ledger:verify: could not verify ${source}: ${errorText(err)}\n`);
    return 3;
  } finally {
    await handle?.close().catch(() => undefined);
  }

  io.stdout.write(opts.json ? `${JSON.stringify({ source, ...report }, null, 2)}\n` : formatReport(report, source));
  return report.ok ? 0 : 1;
}

/** An error's own message: drizzle's wrapper unwrapped, a code when there is no message (a refused connection). */
function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[]; cause?: unknown };
  if (e?.cause) return errorText(e.cause);
  if (e?.message) return e.message;
  if (e?.code) return e.code;
  if (Array.isArray(e?.errors) && e.errors.length > 0) return errorText(e.errors[0]);
  return String(err);
}
