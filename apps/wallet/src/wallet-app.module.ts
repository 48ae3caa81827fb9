import type { ServiceDefinition } from '@paygate/platform';
import { WalletModule } from './wallet.module';

export const walletService: ServiceDefinition = { service: 'wallet', feature: WalletModule, schema: 'wallet', forwardOwnRoutes: true };
