// @ts-check
/**
 * Mutation testing (npm run mutate; see docs/mutation.md). Long: not part of npm test or CI.
 * Incremental: results are kept in reports/mutation/stryker-incremental.json (committed), so a
 * later run re-tests only the mutants whose code or covering tests changed. Narrow a run with
 * --mutate, e.g. npm run mutate -- --mutate 'electron/core/money/**\/*.ts'.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: [
    'electron/core/**/*.ts',
    'electron/adapters/paper/**/*.ts',
    'electron/adapters/binance/**/*.ts',
    // type-only ports: no code to mutate
    '!electron/core/ports/ledger-store.ts',
    '!electron/core/ports/market-feed.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Static mutants (module-level constants) would run every test for each: too costly here.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // The machine is shared: one test process by default (override with --concurrency).
  concurrency: 1,
  // Integration tests start servers on 127.0.0.1 and wait on real timers.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
