import { runUntilSignal, startService } from '@paygate/platform';
import { gatewayService, gatewayStartOptions } from './gateway-app.module';

// The standalone gateway (public HTTP edge, RPC client over NATS). SIGTERM: drain in-flight requests, close, exit 0.
runUntilSignal((rt) => startService(gatewayService(rt), rt, gatewayStartOptions));
