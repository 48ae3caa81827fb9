import { microservicesEnvironment } from './support/environments';
import { hostileInputSuite } from './support/hostile-suite';

/**
 * Hostile input in the separate-services mode (NATS, PostgreSQL): a sample of every category of
 * test/hostile-input.e2e-spec.ts, so the answers that cross the transport (validation in the
 * handlers, not-found for another merchant) are checked over the wire too, and nothing is written.
 */
jest.setTimeout(120_000);

hostileInputSuite('microservices', microservicesEnvironment, { full: false });
