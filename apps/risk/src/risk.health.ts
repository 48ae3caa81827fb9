import { Injectable } from '@nestjs/common';
import type { ReadinessCheck } from '@paygate/platform';
import { FxRateCache } from './fx-rates.cache';
import { RulesProvider } from './rules.provider';

/**
 * Risk's part of /healthz: ready once the live rules are loaded (they are validated at start,
 * so that is always after boot). The detail shows the rules in force, the last rejected
 * reload of each file (the old rules kept running) and the FX cache. FX being down does not
 * make risk unready: amounts are scored as unpriced until rates arrive.
 */
@Injectable()
export class RiskReadiness implements ReadinessCheck {
  readonly key = 'risk';

  constructor(
    private readonly rules: RulesProvider,
    private readonly fx: FxRateCache,
  ) {}

  async check(): Promise<{ up: boolean; detail?: Record<string, unknown> }> {
    const status = this.rules.status();
    return { up: status.live !== null, detail: { rules: status.live, shadow_rules: status.shadow, fx: this.fx.status() } };
  }
}
