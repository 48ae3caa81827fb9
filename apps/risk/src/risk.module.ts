import { Module } from '@nestjs/common';
import { READINESS_CHECK } from '@paygate/platform';
import { FxRateCache } from './fx-rates.cache';
import { RiskRepository } from './persistence/risk.repository';
import { RiskController } from './risk.controller';
import { RiskReadiness } from './risk.health';
import { RiskMetrics } from './risk.metrics';
import { RiskService } from './risk.service';
import { RISK_SETTINGS, riskSettings } from './risk.settings';
import { RulesProvider } from './rules.provider';

/**
 * The risk feature: hot-reloaded rules files (live and shadow) scoring transactions with
 * velocity recorded in PostgreSQL and amounts normalised from cached FX ticks. The monolith
 * imports this module.
 */
@Module({
  controllers: [RiskController],
  providers: [
    { provide: RISK_SETTINGS, useFactory: () => riskSettings(process.env) },
    RiskMetrics,
    RulesProvider,
    FxRateCache,
    RiskRepository,
    RiskService,
    RiskReadiness,
    { provide: READINESS_CHECK, useExisting: RiskReadiness },
  ],
  exports: [READINESS_CHECK],
})
export class RiskModule {}
