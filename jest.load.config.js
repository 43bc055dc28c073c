// The load tests (test/load), one file at a time after the rest of the suite: see jest.config.js.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['<rootDir>/test/load/**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 180_000,
};
