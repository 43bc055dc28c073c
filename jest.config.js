// Jest runs TypeScript through swc. Some dependencies (got and its family) ship only ES modules,
// which Jest cannot load on Node 20 without a transform: every `"type": "module"` package found in
// node_modules is transformed too, so new ESM dependencies need no edit here.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(dir) {
  const found = new Set();
  const visit = (root) => {
    let names = [];
    try {
      names = fs.readdirSync(root);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const full = path.join(root, name);
      if (name.startsWith('@')) {
        for (const sub of fs.readdirSync(full)) check(`${name}/${sub}`, path.join(full, sub));
      } else check(name, full);
    }
  };
  const check = (name, full) => {
    try {
      if (JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8')).type === 'module') found.add(name);
    } catch {
      /* not a package */
    }
    visit(path.join(full, 'node_modules'));
  };
  visit(dir);
  return [...found];
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const esm = esmPackages(path.join(__dirname, 'node_modules'));

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Load tests run on their own afterwards (jest.load.config.js): a burst measures the bridge,
  // not the other test files sharing the two cores. test/cluster needs the cluster
  // (`npm run test:cluster`, jest.cluster.config.js). test/workflow needs no dev server: it runs on
  // Temporal's time-skipping test server (`npm run test:workflow`, jest.workflow.config.js).
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/load/',
    '<rootDir>/test/cluster/',
    '<rootDir>/test/workflow/',
  ],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.map(escape).join('|')})/)`],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  // Two cores: two test files at a time, the dev server gets the rest.
  maxWorkers: 2,
  testTimeout: 60_000,
  slowTestThreshold: 20,
};
