import { microservicesEnvironment } from './support/environments';
import { sliceSuite } from './support/slice-suite';

sliceSuite('skeleton slice: microservices (NATS, PostgreSQL)', microservicesEnvironment);
