// `npm run test:workflow`: the workflow's behaviours (test/workflow) against Temporal's time-skipping
// test server (scripts/test-server.ts), with mocked activities. No dev server: test/workflow/globalSetup.ts
// installs the test server once and bundles the workflows once; each test file starts its own server.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['<rootDir>/test/workflow/**/*.test.ts'],
  globalSetup: '<rootDir>/test/workflow/globalSetup.ts',
  globalTeardown: '<rootDir>/test/workflow/globalTeardown.ts',
  testTimeout: 30_000,
};
