// `npm run test:cluster`: the integration tests and test/cluster against the Temporal cluster of
// `npm run cluster` (PostgreSQL-backed server, several history shards), which test/cluster/globalSetup.ts
// starts. One test file at a time: the worker-kill test is a load, and the server, PostgreSQL and
// the workers share the machine's two cores.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/cluster/**/*.test.ts'],
  globalSetup: '<rootDir>/test/cluster/globalSetup.ts',
  globalTeardown: '<rootDir>/test/cluster/globalTeardown.ts',
  maxWorkers: 1,
  testTimeout: 120_000,
};
