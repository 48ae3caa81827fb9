import { monolithEnvironment } from './support/environments';
import { seedFlowSuite } from './support/seed-flow-suite';

seedFlowSuite('seed payment flow: monolith (in-process transport, PGlite)', monolithEnvironment);
