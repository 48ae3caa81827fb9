import { monolithEnvironment } from './support/environments';
import { fxSuite } from './support/fx-suite';

fxSuite('fx: monolith (in-process, PGlite)', (fx) => monolithEnvironment({ fx }));
