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
// content-disposition 3 (under @fastify/static, which serves the Swagger UI) ships only as ES
// modules: compiled to CommonJS for Jest like our own files (Node 20's Jest cannot require ESM).
const ESM_ONLY = 'content-disposition';
const base = {
  testEnvironment: 'node',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': swc, [`/node_modules/(.+/)?${ESM_ONLY}/.+\\.js$`]: swc },
  transformIgnorePatterns: [`/node_modules/(?!(.+/)?${ESM_ONLY}/)`],
  moduleNameMapper,
};
module.exports = {
  rootDir: __dirname,
  // Real services on a shared 2-core machine (a global option: projects cannot set it); a test's own timeout still wins.
  testTimeout: 30_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
