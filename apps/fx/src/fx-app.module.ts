import type { ServiceDefinition } from '@paygate/platform';
import { FxModule } from './fx.module';

/** The fx process root: its schema, its feature, its own routes on its port. */
export const fxService: ServiceDefinition = { service: 'fx', feature: FxModule, schema: 'fx', forwardOwnRoutes: true };
