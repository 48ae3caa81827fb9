import { monolithEnvironment } from './support/environments';
import { lifecycleSuite } from './support/lifecycle-suite';

lifecycleSuite('payment lifecycle: monolith (in-process, PGlite)', monolithEnvironment);
