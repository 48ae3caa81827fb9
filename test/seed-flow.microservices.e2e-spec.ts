import { microservicesEnvironment } from './support/environments';
import { seedFlowSuite } from './support/seed-flow-suite';

seedFlowSuite('seed payment flow: microservices (NATS, PostgreSQL)', microservicesEnvironment);
