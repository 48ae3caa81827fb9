import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';

/** One row of the seed's CSV: `id,currency,amount,source_account,destination_account`. */
export interface PaymentRow {
  id: string;
  currency: string;
  amount: string;
  source_account: string;
  destination_account: string;
}

const COLUMNS = ['id', 'currency', 'amount', 'source_account', 'destination_account'] as const;

/** Reads the seed's CSV (header checked, amounts kept as their exact text). */
export async function readPaymentsCsv(path: string, limit = Number.POSITIVE_INFINITY): Promise<PaymentRow[]> {
  const rows: PaymentRow[] = [];
  const file = createReadStream(path);
  const parser = parse({ columns: true, skip_empty_lines: true, trim: true });
  // A missing or unreadable file fails the read instead of leaving it waiting forever.
  file.on('error', (e) => parser.destroy(e));
  file.pipe(parser);
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    if (rows.length === 0) {
      const missing = COLUMNS.filter((c) => !(c in record));
      if (missing.length > 0) throw new Error(`${path}: missing column(s) ${missing.join(', ')}; expected ${COLUMNS.join(',')}`);
    }
    rows.push({
      id: record.id,
      currency: record.currency,
      amount: record.amount,
      source_account: record.source_account,
      destination_account: record.destination_account,
    });
    if (rows.length >= limit) {
      parser.destroy();
      break;
    }
  }
  if (rows.length === 0) throw new Error(`${path}: no rows`);
  return rows;
}
