import { loadRuntimeConfig, startService } from '@paygate/platform';
import { paymentsService } from './payments-app.module';

void startService(paymentsService, loadRuntimeConfig(), { rpcServer: true }).then((app) => app.enableShutdownHooks());
