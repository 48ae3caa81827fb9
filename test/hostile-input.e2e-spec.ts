import { monolithEnvironment } from './support/environments';
import { hostileInputSuite } from './support/hostile-suite';

/**
 * Hostile input, the whole matrix: every mutating route of the public route table (generated
 * from ROUTES) × malformed JSON, invalid UTF-8, NUL / unpaired surrogates / prototype keys /
 * deep nesting, oversized bodies (413), wrong content types (415), missing / invalid / read-only
 * / other-merchant keys, injection strings and unicode tricks in path and body ids, non-object
 * bodies, unknown properties, wrong types, huge / over-precise / negative / zero amounts,
 * unknown currencies; a fast-check fuzzer over the same routes; the services' own ports; then
 * nothing written, `ledger:verify` clean, every service healthy. The cases live in
 * test/support/hostile-suite.ts (the microservices mode runs a sample of the same).
 */
jest.setTimeout(120_000);

hostileInputSuite('monolith', monolithEnvironment, { full: true });
