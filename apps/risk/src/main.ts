import { loadRuntimeConfig, startService } from '@paygate/platform';
import { riskService } from './risk-app.module';

void startService(riskService, loadRuntimeConfig(), { rpcServer: true }).then((app) => app.enableShutdownHooks());
