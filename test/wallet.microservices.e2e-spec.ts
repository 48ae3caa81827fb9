import { microservicesEnvironment } from './support/environments';
import { walletSuite } from './support/wallet-suite';

walletSuite('wallet API: microservices (NATS, PostgreSQL)', () => microservicesEnvironment());
