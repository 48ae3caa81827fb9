import type { ServiceDefinition } from '@paygate/platform';
import { RiskModule } from './risk.module';

export const riskService: ServiceDefinition = { service: 'risk', feature: RiskModule, schema: 'risk', forwardOwnRoutes: true };
