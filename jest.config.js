/**
 * Three tiers (one run): unit specs beside the code, test/integration (real PostgreSQL + Redis), test/e2e (real
 * HTTPS against the booted app), test/architecture. A fresh database per run (see test/support/global-setup.ts).
 */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testRegex: '.*\\.(spec|test)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/architecture/fixtures/'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
};
