import { Injectable, Logger } from '@nestjs/common';
import { ScoreRequest, ScoreResponse } from '@paygate/contracts';
import { parseAmount } from '@paygate/money';
import { RequestContext } from '@paygate/transport';
import {
  HistoryFeatures,
  MergedSpec,
  RiskAssessment,
  RiskFeatures,
  RulesFile,
  evaluate,
  featuresToJson,
  historyFor,
  historySpec,
} from './domain';
import { FxRateCache } from './fx-rates.cache';
import { DecisionRecord, RiskRepository } from './persistence/risk.repository';
import { RiskMetrics } from './risk.metrics';
import { RulesProvider } from './rules.provider';

const log = new Logger('Risk');

/**
 * Scores a transaction: features from the request, the amount in the rules' reference currency
 * (from the cached FX ticks, no remote call) and the account's recorded history in PostgreSQL
 * (velocity, destinations, amount bands, history sample, first payment); then the live rules
 * decide, and in shadow mode the draft rules assess the same features alongside. A score with a
 * payment id is recorded once with its features; without one it is a dry run.
 */
@Injectable()
export class RiskService {
  private merged?: { live: RulesFile; shadow?: RulesFile; spec: MergedSpec };

  constructor(
    private readonly repo: RiskRepository,
    private readonly rules: RulesProvider,
    private readonly fx: FxRateCache,
    private readonly metrics: RiskMetrics,
  ) {}

  async score(req: ScoreRequest): Promise<ScoreResponse> {
    const end = this.metrics.duration.startTimer();
    try {
      return await this.assess(req);
    } finally {
      end();
    }
  }

  private async assess(req: ScoreRequest): Promise<RiskAssessment> {
    const { merchantId } = RequestContext.require();
    const live = this.rules.current();
    const shadow = this.rules.shadow();
    const amountMinor = parseAmount(req.amount, req.currency);
    // A payment scored before gets its recorded decision back from decideOnce, which reads it in
    // the same statement as the history: no separate lookup (one round trip less per payment).
    const ref = live.reference_currency;
    const amountRefMinor = this.fx.toReference(amountMinor, req.currency, ref);
    const merged = this.specFor(live, shadow);
    const base: Omit<RiskFeatures, keyof HistoryFeatures> = { account: req.account, currency: req.currency, amountMinor };
    if (req.destination !== undefined) base.destination = req.destination;
    if (req.source_currency !== undefined) base.sourceCurrency = req.source_currency;
    if (amountRefMinor !== undefined) base.amountRefMinor = amountRefMinor;

    const decide = (h: HistoryFeatures): DecisionRecord => {
      const features: RiskFeatures = { ...base, ...historyFor(merged, live, h) };
      const assessment = evaluate(live, features);
      const record: DecisionRecord = { assessment, features: featuresToJson(features, ref) };
      if (shadow) {
        try {
          const s = evaluate(shadow, { ...base, ...historyFor(merged, shadow, h) });
          record.shadow = { assessment: s, diverged: s.decision !== assessment.decision };
        } catch (e) {
          log.error(`shadow rules ${shadow.version} failed to assess: ${(e as Error).message}`);
        }
      }
      return record;
    };

    if (!req.payment_id) {
      const record = decide(await this.repo.history(merchantId, req.account, req.destination, merged.spec));
      this.observe(record);
      return record.assessment;
    }
    const decided = await this.repo.decideOnce(
      merchantId,
      {
        paymentId: req.payment_id,
        account: req.account,
        destination: req.destination,
        currency: req.currency,
        amountMinor,
        amountRefMinor,
        referenceCurrency: ref,
      },
      merged.spec,
      decide,
    );
    if (decided.record) this.observe(decided.record);
    return decided.assessment;
  }

  /** The history read for the rules in force, rebuilt only when a file was reloaded. */
  private specFor(live: RulesFile, shadow: RulesFile | undefined): MergedSpec {
    const m = this.merged;
    if (m && m.live === live && m.shadow === shadow) return m.spec;
    const spec = historySpec(shadow ? [live, shadow] : [live]);
    this.merged = { live, shadow, spec };
    return spec;
  }

  private observe(record: DecisionRecord): void {
    const a = record.assessment;
    this.metrics.decisions.inc({ decision: a.decision });
    this.metrics.score.observe(a.score);
    for (const r of a.reasons) this.metrics.ruleHits.inc({ rule: r.code });
    if (record.shadow?.diverged) this.metrics.shadowDivergence.inc({ live: a.decision, shadow: record.shadow.assessment.decision });
  }
}
