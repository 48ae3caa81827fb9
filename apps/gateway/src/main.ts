import { loadRuntimeConfig, startService } from '@paygate/platform';
import { gatewayService, gatewayStartOptions } from './gateway-app.module';

const rt = loadRuntimeConfig();
void startService(gatewayService(rt), rt, gatewayStartOptions).then((app) => app.enableShutdownHooks());
