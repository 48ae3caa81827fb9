import { monolithEnvironment } from './support/environments';
import { walletSuite } from './support/wallet-suite';

walletSuite('wallet API: monolith (in-process transport, PGlite)', () => monolithEnvironment());
