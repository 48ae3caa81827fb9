import { runUntilSignal, startService } from '@paygate/platform';
import { paymentsService } from './payments-app.module';

// The standalone payments service (HTTP + NATS). SIGTERM: drain in-flight work, close NATS and the database, exit 0.
runUntilSignal((rt) => startService(paymentsService, rt, { rpcServer: true }));
