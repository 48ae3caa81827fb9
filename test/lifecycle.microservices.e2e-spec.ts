import { microservicesEnvironment } from './support/environments';
import { lifecycleSuite } from './support/lifecycle-suite';

lifecycleSuite('payment lifecycle: microservices (NATS, PostgreSQL)', microservicesEnvironment);
