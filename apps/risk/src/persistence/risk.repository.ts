import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { Db, InjectDb, queryRows } from '@paygate/database';
import type { RiskAssessment } from '../domain';

export interface HistoryFeatures {
  count1m: number;
  count1h: number;
  /** Undefined without a destination. */
  destinationSeen?: boolean;
}

export interface DecisionInput {
  paymentId: string;
  account: string;
  destination?: string;
  currency: string;
  amountMinor: bigint;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Persistence of risk decisions (owns the `risk` schema). Velocity is read from the recorded
 * decisions in PostgreSQL, in the same transaction that records the new one, so every replica
 * sees the same history; a payment is recorded once (unique on merchant + payment id).
 */
@Injectable()
export class RiskRepository {
  constructor(@InjectDb() private readonly db: Db) {}

  async recorded(merchantId: string, paymentId: string): Promise<RiskAssessment | undefined> {
    return this.recordedIn(this.db, merchantId, paymentId);
  }

  async history(merchantId: string, account: string, destination: string | undefined): Promise<HistoryFeatures> {
    return this.historyIn(this.db, merchantId, account, destination);
  }

  /**
   * Scores and records a payment's decision once: `decide` gets the account's history and
   * returns the assessment; a concurrent or earlier record for the payment wins and is returned.
   */
  async decideOnce(merchantId: string, input: DecisionInput, decide: (h: HistoryFeatures) => RiskAssessment): Promise<RiskAssessment> {
    return this.db.transaction(async (tx) => {
      const earlier = await this.recordedIn(tx, merchantId, input.paymentId);
      if (earlier) return earlier;
      const assessment = decide(await this.historyIn(tx, merchantId, input.account, input.destination));
      const inserted = await queryRows<{ id: string }>(
        tx,
        sql`insert into risk.decisions (merchant_id, payment_id, account, destination, currency, amount_minor, score, decision, reasons, rules_version)
            values (${merchantId}, ${input.paymentId}, ${input.account}, ${input.destination ?? null}, ${input.currency},
                    ${input.amountMinor}, ${assessment.score}, ${assessment.decision}, ${JSON.stringify(assessment.reasons)}::jsonb, ${assessment.rules_version})
            on conflict do nothing returning id::text`,
      );
      if (inserted.length > 0) return assessment;
      return (await this.recordedIn(tx, merchantId, input.paymentId))!;
    });
  }

  private async recordedIn(db: Db | Tx, merchantId: string, paymentId: string): Promise<RiskAssessment | undefined> {
    const [row] = await queryRows<{
      score: number;
      decision: RiskAssessment['decision'];
      reasons: RiskAssessment['reasons'];
      rules_version: string;
    }>(
      db,
      sql`select score, decision, reasons, rules_version from risk.decisions where merchant_id = ${merchantId} and payment_id = ${paymentId}`,
    );
    return row && { score: row.score, decision: row.decision, reasons: row.reasons, rules_version: row.rules_version };
  }

  private async historyIn(db: Db | Tx, merchantId: string, account: string, destination: string | undefined): Promise<HistoryFeatures> {
    const [row] = await queryRows<{ c1m: number; c1h: number; seen: boolean | null }>(
      db,
      sql`select count(*) filter (where created_at > now() - interval '1 minute')::int as c1m,
                 count(*)::int as c1h,
                 (select exists(select 1 from risk.decisions d
                                 where d.merchant_id = ${merchantId} and d.account = ${account}
                                   and d.payment_id is not null and d.destination = ${destination ?? null})) as seen
            from risk.decisions
           where merchant_id = ${merchantId} and account = ${account} and payment_id is not null
             and created_at > now() - interval '1 hour'`,
    );
    return { count1m: row.c1m, count1h: row.c1h, destinationSeen: destination === undefined ? undefined : Boolean(row.seen) };
  }
}
