// `npm run test:cluster`: what only a cluster shows, against the Temporal cluster of `npm run cluster`
// (PostgreSQL-backed server, several history shards), which test/cluster/globalSetup.ts starts: the
// cluster is what it promises, and a worker SIGKILLed mid-life loses nothing to the one left. The
// behaviour of the bridge itself (test/integration/) is proven against the dev server in `npm test`;
// the Temporal server is the same version there (scripts/temporal-cli.ts). One test file at a time:
// the worker-kill test is a load, and the server, PostgreSQL and the workers share two cores.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  globalSetup: '<rootDir>/test/cluster/globalSetup.ts',
  globalTeardown: '<rootDir>/test/cluster/globalTeardown.ts',
  maxWorkers: 1,
  testTimeout: 120_000,
};
