import { loadRuntimeConfig, startService } from '@paygate/platform';
import { walletService } from './wallet-app.module';

void startService(walletService, loadRuntimeConfig(), { rpcServer: true }).then((app) => app.enableShutdownHooks());
