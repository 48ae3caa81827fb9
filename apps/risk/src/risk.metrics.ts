import { Injectable } from '@nestjs/common';
import { InjectRegistry } from '@paygate/metrics';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The risk service's domain metrics, on the service's own registry. Label values are bounded:
 * decisions (3), rule codes (those of the loaded rules files), rules role (live, shadow).
 */
@Injectable()
export class RiskMetrics {
  /** Every assessment made (recorded decisions and dry runs; replays of a recorded decision are not counted again). */
  readonly decisions: Counter<'decision'>;
  readonly score: Histogram;
  readonly ruleHits: Counter<'rule'>;
  readonly duration: Histogram;
  readonly shadowDivergence: Counter<'live' | 'shadow'>;
  readonly reloads: Counter<'rules' | 'result'>;
  readonly rulesInfo: Gauge<'rules' | 'version'>;

  constructor(@InjectRegistry() registry: Registry) {
    const registers = [registry];
    this.decisions = new Counter({
      name: 'risk_decisions_total',
      help: 'Risk assessments by decision (recorded decisions and dry runs)',
      labelNames: ['decision'],
      registers,
    });
    this.score = new Histogram({
      name: 'risk_score',
      help: 'Risk scores (0-100) of the assessments',
      buckets: [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      registers,
    });
    this.ruleHits = new Counter({
      name: 'risk_rule_hits_total',
      help: 'Rules of the live rules file that fired, by rule code',
      labelNames: ['rule'],
      registers,
    });
    this.duration = new Histogram({
      name: 'risk_scoring_duration_seconds',
      help: 'Time to score a payment: features (FX cache, velocity read and record in PostgreSQL) and rules',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.shadowDivergence = new Counter({
      name: 'risk_shadow_divergence_total',
      help: 'Assessments where the shadow (draft) rules reached another decision than the live rules',
      labelNames: ['live', 'shadow'],
      registers,
    });
    this.reloads = new Counter({
      name: 'risk_rules_reloads_total',
      help: 'Rules file reloads after a change on disk, by file role and result (ok, error: the old rules keep running)',
      labelNames: ['rules', 'result'],
      registers,
    });
    this.rulesInfo = new Gauge({
      name: 'risk_rules_info',
      help: 'The rules version in force (1), by file role',
      labelNames: ['rules', 'version'],
      registers,
    });
  }
}
