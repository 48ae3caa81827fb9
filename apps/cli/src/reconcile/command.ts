import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@paygate/database';
import { ReconcileReport, reconcile } from './reconcile';

const USAGE = `usage: npm run payments:reconcile -- [--pglite <dir>] [--json]

Compares payments with the wallet ledger, both ways (captures ↔ capture journals and their
amounts, authorizations/reviews ↔ active holds, refunds ↔ reversal journals) and prints every
mismatch. Read-only. The database: DATABASE_URL (PostgreSQL, both schemas in it), or a PGlite
directory (default ./data/monolith, as \`npm start\` uses; stop it first).
exit codes: 0 consistent, 1 mismatches, 2 bad usage, 3 could not read the database
`;

export function formatReconcile(r: ReconcileReport): string {
  const lines = [
    `payments:reconcile — ${r.checked.payments} payments, ${r.checked.capture_journals} capture journals, ${r.checked.payment_holds} payment holds`,
    r.ok ? '✓ payments and the wallet ledger agree' : `✗ ${r.mismatches.length} mismatch(es):`,
    ...r.mismatches.map((m) => `  - [${m.check}] ${m.merchant_id}/${m.payment_id}: ${m.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  let values: { pglite?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { pglite: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const url = values.pglite ? undefined : process.env.DATABASE_URL;
  const handle = url
    ? openDatabase({ url, pgliteDir: '', poolSize: 1 })
    : openDatabase({ pgliteDir: values.pglite ?? join(process.env.DATA_DIR ?? 'data', 'monolith'), poolSize: 1 });
  try {
    const report = await reconcile(handle.db);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReconcile(report));
    return report.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`payments:reconcile could not read the database: ${(e as Error).message}\n`);
    return 3;
  } finally {
    await handle.close();
  }
}
