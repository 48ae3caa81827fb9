import { monolithEnvironment } from './support/environments';
import { webhooksSuite } from './support/webhooks-suite';

webhooksSuite('webhooks: monolith (in-process bus, PGlite)', monolithEnvironment);
