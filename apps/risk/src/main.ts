import { runUntilSignal, startService } from '@paygate/platform';
import { riskService } from './risk-app.module';

// The standalone risk service (HTTP + NATS). SIGTERM: drain in-flight work, close NATS and the database, exit 0.
runUntilSignal((rt) => startService(riskService, rt, { rpcServer: true }));
