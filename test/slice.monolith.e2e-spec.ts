import { monolithEnvironment } from './support/environments';
import { sliceSuite } from './support/slice-suite';

sliceSuite('skeleton slice: monolith (in-process transport, PGlite)', monolithEnvironment);
