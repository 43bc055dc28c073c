// Lint rules of the project: type-aware, and strict where Temporal makes a mistake expensive: a
// floating promise in a workflow is a lost command, an I/O import in a file bundled into workflows
// breaks determinism.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Every Node built-in (this Node's own list, subpaths such as `fs/promises` included), with and
// without the `node:` prefix: none is available in the workflow sandbox.
const NODE_BUILTINS = [
  ...new Set(builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`]))),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', 'bench-results/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      // One import statement per module (type-only names inline), and every import before the code.
      'import-x/no-duplicates': ['error', { 'prefer-inline': true }],
      'import-x/first': 'error',
      // Node built-ins, then packages, then our modules: where an import comes from shows at a glance.
      'import-x/order': 'error',
      // Layers: the shared vocabulary and pure mapping never import the layers built on them.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: ['./contracts', './mapping'],
              from: ['./workflows', './activities', './api', './worker', './scripts', './sandboxes'],
            },
            {
              target: ['./workflows'],
              from: ['./api', './worker', './scripts', './sandboxes', './config', './observability'],
            },
            { target: ['./activities'], from: ['./api', './worker', './scripts', './sandboxes'] },
          ],
        },
      ],
    },
  },
  {
    // Everything the workflow bundle pulls in: deterministic code only, no Node built-ins, no I/O.
    files: ['workflows/**/*.ts', 'mapping/**/*.ts', 'contracts/**/*.ts'],
    // The two hashing helpers run in the API and activities only; workflows may not import them (below).
    ignores: ['mapping/ids.ts', 'contracts/webhookKey.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.map((name) => ({
              name,
              message: 'Node built-ins are not available in the workflow sandbox.',
            })),
            { name: 'got', message: 'I/O belongs in activities/.' },
            { name: 'express', message: 'I/O belongs in api/.' },
            { name: '@temporalio/activity', message: 'Workflow code cannot import activity code.' },
            { name: '@temporalio/client', message: 'Workflow code cannot import the client.' },
            { name: '@temporalio/worker', message: 'Workflow code cannot import the worker.' },
            {
              name: '@temporalio/workflow',
              importNames: ['proxyLocalActivities'],
              message: 'Regular activities only: a local activity beside a timer breaks replay (docs/versioning.md).',
            },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Workflows call activities through proxies: import their types only.',
            },
            {
              group: ['**/mapping/ids', '**/contracts/webhookKey'],
              message: 'Uses node:crypto: not for the workflow bundle.',
            },
            {
              group: [
                '**/api/*',
                '**/worker/*',
                '**/config',
                '**/config/*',
                '**/observability/*',
                '**/sandboxes/*',
                '**/scripts/*',
                '**/security/*',
              ],
              message: 'Not deterministic: keep it out of the workflow bundle.',
            },
          ],
        },
      ],
    },
  },
  {
    // The intake reaches the engine (rates) only through plain clients, never through activity code.
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@temporalio/activity', message: 'The API never runs activity code.' }],
          patterns: [
            {
              group: ['**/activities/*', '!**/activities/clients', '!**/activities/http', '!**/activities/failures'],
              message:
                'The API may import plain clients only: activities/clients/, activities/http, activities/failures.',
            },
          ],
        },
      ],
    },
  },
);
