import { Module } from '@nestjs/common';
import { RiskRepository } from './persistence/risk.repository';
import { RiskController } from './risk.controller';
import { RiskService } from './risk.service';
import { RulesProvider } from './rules.provider';

/** The risk feature: a rules file scoring transactions with recorded velocity. The monolith imports this module. */
@Module({ controllers: [RiskController], providers: [RiskService, RiskRepository, RulesProvider] })
export class RiskModule {}
