import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The unit tests first: Stryker stops a mutant's run at its first failing test (bail), and a unit
 * test fails in milliseconds where an integration test that reaches the same line takes seconds.
 */
class UnitTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const unit = (f: TestSpecification) => f.moduleId.includes('/tests/unit/');
    return [...sorted.filter(unit), ...sorted.filter((f) => !unit(f))];
  }
}

/**
 * The tests Stryker runs against each mutant (npm run mutate; see docs/mutation.md): the unit and
 * integration tests that exercise electron/core and the paper and Binance adapters. Left out: the
 * CLI and end-to-end tests (child processes, which per-test coverage can't see into), the keychain
 * tests, and the integration tests of layers outside the mutated scope (main/preload shell, host
 * dispatcher, WebSocket host and trading host, replay feed, control path and channel).
 */
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    exclude: [
      'tests/integration/electron-shell.test.ts',
      // Stryker runs tests in worker threads, where process.umask() (the control socket) throws.
      'tests/integration/control-channel.test.ts',
      // keytar (loaded by the host's test helper) hangs when loaded again in a second worker thread.
      'tests/integration/trading-host.test.ts',
      'tests/integration/host-stop.test.ts',
      // The other host tests (journal, live parameter saves, paper reset, hostile input) load keytar too.
      'tests/integration/host-*.test.ts',
      'tests/integration/dispatcher.test.ts',
      'tests/integration/ws-host.test.ts',
      'tests/integration/replay-feed.test.ts',
      'tests/unit/control-path.test.ts',
      'tests/unit/kline-csv.test.ts',
    ],
    sequence: { sequencer: UnitTestsFirst },
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
