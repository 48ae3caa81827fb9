import { runUntilSignal, startService } from '@paygate/platform';
import { walletService } from './wallet-app.module';

// The standalone wallet service (HTTP + NATS). SIGTERM: drain in-flight work, close NATS and the database, exit 0.
runUntilSignal((rt) => startService(walletService, rt, { rpcServer: true }));
