import { loadRuntimeConfig, startService } from '@paygate/platform';
import { fxService } from './fx-app.module';

void startService(fxService, loadRuntimeConfig(), { rpcServer: true }).then((app) => app.enableShutdownHooks());
