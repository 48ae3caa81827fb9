// @ts-check
/**
 * Mutation testing (StrykerJS 9, run by hand / outside CI): `npm run mutation`.
 *
 * Scope: the money library and the wallet ledger's pure rules. Only their own unit specs run
 * (no PGlite/PostgreSQL integration specs, no e2e), through the repo's `unit` Jest project
 * (same @swc/jest transform and `@paygate/*` moduleNameMapper as `npm test`).
 *
 * Quick check of one file: `npm run mutation -- --mutate libs/money/src/allocate.ts`
 * Reports: reports/mutation/ (html + json); incremental state: reports/stryker-incremental.json
 * (reruns only re-test mutants whose code or covering tests changed; `-- --force` to redo all).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** @type {import('jest').Config} */
const jestConfig = require('./jest.config.js');
const unit = (jestConfig.projects ?? []).find((p) => typeof p === 'object' && p.displayName === 'unit');
if (!unit || typeof unit !== 'object') throw new Error('jest.config.js has no "unit" project');
const { displayName: _displayName, testMatch: _testMatch, ...unitOptions } = unit;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
  packageManager: 'npm',
  testRunner: 'jest',
  plugins: ['@stryker-mutator/jest-runner'],
  mutate: [
    'libs/money/src/**/*.ts',
    'apps/wallet/src/domain/**/*.ts',
    '!**/*.spec.ts',
    '!**/index.ts',
    // Pure data table (generated from ISO 4217): nothing to mutate meaningfully.
    '!libs/money/src/iso4217.data.ts',
  ],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // jest.config.js is multi-project; Stryker's coverage environment is only applied to the
    // top-level config, so flatten the `unit` project into it and narrow testMatch to the
    // specs of the mutated code (findRelatedTests then picks among these only).
    config: {
      ...unitOptions,
      projects: [],
      testMatch: ['<rootDir>/libs/money/src/**/*.spec.ts', '<rootDir>/apps/wallet/src/domain/**/*.spec.ts'],
    },
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10000,
  // Files the sandbox does not need (build output, root e2e suite, ops assets); anchored with `/`
  // so libs/money/test (spec helpers) is still copied.
  ignorePatterns: ['/dist', '/bench-results', '/test', '/docker', '/grafana', '/prometheus', '/coverage', '/reports', '/.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  thresholds: { high: 90, low: 80, break: null },
};
