// Layering rules: which folder may import what. A wrong import is a lint error, and
// `npm test` runs lint, so it is a build error too.
import tseslint from 'typescript-eslint';

const noElectron = { name: 'electron', message: "Only electron/ may import 'electron'." };
const layer = (files, patterns, paths = [noElectron]) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', '.vite/', 'dist/', 'out/', 'test-results/', 'playwright-report/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['shared/common/**/*.ts'], [
    { group: ['node:*', 'fs', 'path', 'crypto', 'http', 'os'], message: 'shared/common runs anywhere: no Node APIs.' },
    { group: ['**/shared/node/**', '**/server/**', '**/electron/**', '**/renderer/**', '**/cli/**'], message: 'shared/common depends on nothing above it.' },
  ]),
  layer(['shared/node/**/*.ts'], [
    { group: ['**/server/**', '**/electron/**', '**/renderer/**', '**/cli/**'], message: 'shared/node depends only on shared/common.' },
  ]),
  layer(['server/**/*.ts'], [
    { group: ['**/electron/**', '**/renderer/**', '**/cli/**'], message: 'server/ depends only on shared/.' },
  ]),
  layer(['renderer/**/*.ts'], [
    { group: ['node:*', '**/shared/node/**', '**/server/**', '**/electron/**', '**/cli/**'], message: 'renderer/ talks to the engine only through the SyncApi.' },
  ]),
  layer(['cli/**/*.ts', 'bench/**/*.ts'], [
    { group: ['**/electron/main/**', '**/electron/preload/**'], message: 'Only the Electron layer and its tests import it.' },
  ]),
);
