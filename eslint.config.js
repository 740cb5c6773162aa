// @ts-check
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import importX from 'eslint-plugin-import-x';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

/**
 * Layering by runtime, enforced here (as VS Code does for its base/common, node and electron layers):
 *
 *   shared/            used by main and renderer alike: no Node, no Electron, no engine internals
 *   electron/core/     the engine: pure TypeScript, talks to the world only through its ports
 *   electron/adapters/ Binance, paper, replay: implement the ports; may use Node and I/O libraries
 *   electron/store/    SQLite persistence (implements the LedgerStore / PaperStore ports)
 *   electron/app/      composition: wires adapters, store and engine into a session
 *   electron/host/     the trading host: the IPC contract's handlers, dispatcher and loopback transport (plain Node)
 *   electron/cli/      the command line on top of app (and of host, for npm run serve)
 *   electron/main/, electron/preload/   the only places that may import 'electron'
 *   renderer/          the Vue UI: browser only, talks to main over the typed IPC contract in shared/
 */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const ELECTRON = {
  name: 'electron',
  message: "Only electron/main and electron/preload may import 'electron': the engine must run in plain Node.",
};
const IO_LIBRARIES = ['better-sqlite3', 'binance', 'ws', 'keytar', 'axios'];

const restrict = (/** @type {string[]} */ banned, /** @type {string} */ message, withNode = true) => [
  'error',
  {
    paths: [
      ELECTRON,
      ...(withNode ? nodeBuiltins.map((name) => ({ name, message: `${message} (no Node built-ins here)` })) : []),
    ],
    patterns: banned.length ? [{ group: banned, message }] : [],
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'tests/.tmp/**',
      'tools/bench/results/**',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The renderer's single-file components: Vue's recommended rules, TypeScript in <script setup>.
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    // Formatting is prettier's (npm test checks it); these would fight it. no-undef is off as for
    // the .ts files (typescript-eslint's advice): vue-tsc knows the browser globals, eslint does not.
    rules: {
      'no-undef': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  // No import cycles anywhere: a cycle means two files that are really one, or a missing port.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-self-compare': 'off',
    },
  },
  // Everywhere but main and preload: no electron.
  {
    files: ['**/*.ts', '**/*.js'],
    ignores: ['electron/main/**', 'electron/preload/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON] }] },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [
          ...IO_LIBRARIES,
          '**/adapters/**',
          '**/store/**',
          '**/app/**',
          '**/cli/**',
          '**/main/**',
          '**/preload/**',
          '**/renderer/**',
        ],
        'electron/core is the pure engine: it reaches I/O only through its ports (electron/core/ports)',
      ),
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...IO_LIBRARIES, '**/electron/**', '**/renderer/**', 'decimal.js'],
        'shared/ is used by main and renderer alike: plain TypeScript and zod only',
      ),
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': restrict(
        [...IO_LIBRARIES, '**/electron/**'],
        'the renderer talks to main only over the IPC contract in shared/',
      ),
    },
  },
  {
    files: ['electron/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['**/store/**', '**/app/**', '**/cli/**'],
        'adapters implement ports; they do not reach into the store, app or CLI',
        false,
      ),
    },
  },
  {
    files: ['electron/host/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['**/cli/**', '**/main/**', '**/preload/**', '**/renderer/**'],
        'electron/host is plain Node under both shells (Electron main and npm run serve); it knows neither',
        false,
      ),
    },
  },
  {
    files: ['electron/store/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['**/adapters/*/!(paper-store)', '**/app/**', '**/cli/**', 'binance', 'ws'],
        'the store persists records; it knows no exchange',
        false,
      ),
    },
  },
);
