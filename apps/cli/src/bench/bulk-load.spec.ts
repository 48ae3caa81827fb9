import { Client } from 'pg';
import { DatabaseHandle, migrationsFolder, openDatabase } from '@paygate/database';
import { TestDatabase, createTestDatabase } from '@paygate/testing';
import { verifyLedger } from '../../../wallet/src/persistence/ledger-verify';
import { LedgerRepository } from '../../../wallet/src/persistence/ledger.repository';
import { BENCH_MERCHANT, FUNDING_MINOR, benchWalletId, countEntries, countWallets, loadHistory, loadWallets } from './bulk-load';

describe('scale bench bulk loader (PostgreSQL)', () => {
  let t: TestDatabase;
  let handle: DatabaseHandle;
  let c: Client;

  beforeAll(async () => {
    t = await createTestDatabase();
    handle = openDatabase({ url: t.url, pgliteDir: '', poolSize: 4 });
    await handle.migrate('wallet', migrationsFolder('wallet'));
    c = new Client({ connectionString: t.url });
    await c.connect();
  });

  afterAll(async () => {
    await c?.end();
    await handle?.close();
    await t?.drop();
  });

  /** Every wallet balance against the sum of its entries, and the verifier's report. */
  async function expectConsistent(): Promise<void> {
    const report = await verifyLedger(handle.db);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    const mismatched = await c.query(
      `select b.account_id, b.ledger_minor, coalesce(sum(e.amount_minor), 0) as total
         from wallet.balances b left join wallet.entries e
           on e.merchant_id = b.merchant_id and e.account_id = b.account_id and e.currency = b.currency
        group by b.merchant_id, b.account_id, b.currency, b.ledger_minor
       having b.ledger_minor <> coalesce(sum(e.amount_minor), 0)`,
    );
    expect(mismatched.rows).toEqual([]);
  }

  it('loads wallets in steps, each funded by a deposit', async () => {
    await loadWallets(c, { prefix: 'w', from: 0, to: 7 });
    await loadWallets(c, { prefix: 'w', from: 7, to: 25 });
    expect(await countWallets(c, 'w')).toBe(25);
    expect(await countEntries(c)).toBe(50);
    const b = await c.query<{ ledger_minor: string }>(
      `select ledger_minor::text from wallet.balances where merchant_id = $1 and account_id = $2 and currency = 'USD'`,
      [BENCH_MERCHANT, benchWalletId('w', 24)],
    );
    expect(BigInt(b.rows[0].ledger_minor)).toBe(FUNDING_MINOR);
    await expectConsistent();
  });

  it('appends transfer history (partial rounds, transfers in between) with exact running balances', async () => {
    // 25 wallets: 37 journals (a round and a half), then live transfers, then more history.
    await loadHistory(c, { prefix: 'w', wallets: 25, entries: 74 });
    expect(await countEntries(c)).toBe(50 + 74);
    await expectConsistent();

    const ledger = new LedgerRepository(handle.db);
    for (let i = 0; i < 5; i++) {
      await ledger.transfer(BENCH_MERCHANT, `live-${i}`, {
        sourceAccount: benchWalletId('w', i),
        destinationAccount: benchWalletId('w', 24 - i),
        debit: { currency: 'USD', minor: 1_234n },
        credit: { currency: 'USD', minor: 1_234n },
      });
    }
    await expectConsistent();

    // An odd count rounds up to whole journals.
    await loadHistory(c, { prefix: 'w', wallets: 25, entries: 301 });
    expect(await countEntries(c)).toBe(50 + 74 + 10 + 302);
    await expectConsistent();

    // The sequences moved past the bulk ids: the repository still posts after a load.
    await ledger.transfer(BENCH_MERCHANT, 'live-after', {
      sourceAccount: benchWalletId('w', 3),
      destinationAccount: benchWalletId('w', 4),
      debit: { currency: 'USD', minor: 5n },
      credit: { currency: 'USD', minor: 5n },
    });
    await expectConsistent();
  });

  it('is checked for real: a wrong running balance in the history is a violation', async () => {
    const [e] = (
      await c.query<{ id: string }>(`select max(id)::text as id from wallet.entries where journal_id in
      (select id from wallet.journals where reference like 'transfer:hist-%') and balance_after_minor is not null`)
    ).rows;
    await c.query('update wallet.entries set balance_after_minor = balance_after_minor + 1 where id = $1', [e.id]);
    try {
      const report = await verifyLedger(handle.db);
      expect(report.checks.find((x) => x.check === 'running_balance')?.violations).toBe(1);
    } finally {
      await c.query('update wallet.entries set balance_after_minor = balance_after_minor - 1 where id = $1', [e.id]);
    }
    await expectConsistent();
  });
});
