/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@paygate/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@paygate/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = { testEnvironment: 'node', moduleFileExtensions: ['js', 'json', 'ts'], transform: { '^.+\\.ts$': swc }, moduleNameMapper };
module.exports = {
  rootDir: __dirname,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    // e2e: real services on a shared 2-core machine; a test's own timeout still wins.
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], testTimeout: 30_000 },
  ],
};
