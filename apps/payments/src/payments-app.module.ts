import type { ServiceDefinition } from '@paygate/platform';
import { PaymentsModule } from './payments.module';

export const paymentsService: ServiceDefinition = {
  service: 'payments',
  feature: PaymentsModule,
  schema: 'payments',
  forwardOwnRoutes: true,
};
