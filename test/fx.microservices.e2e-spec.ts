import { microservicesEnvironment } from './support/environments';
import { fxSuite } from './support/fx-suite';

fxSuite('fx: microservices (NATS, PostgreSQL)', (fx) => microservicesEnvironment({ fx }));
