import { runUntilSignal, startService } from '@paygate/platform';
import { fxService } from './fx-app.module';

// The standalone fx service (HTTP + NATS). SIGTERM: drain in-flight work, close NATS and the database, exit 0.
runUntilSignal((rt) => startService(fxService, rt, { rpcServer: true }));
