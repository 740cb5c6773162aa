import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The quickest kill first: Stryker stops a mutant's run at its first failing test (bail), so the
 * order of the files decides what a killed mutant costs. A file that failed last time first (the
 * mutant beside the last one is often killed by the same test), then the unit tests, then the
 * quicker files: a unit test fails in milliseconds where an integration test that reaches the same
 * line takes seconds.
 */
class QuickestKillFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const rank = (f: TestSpecification) => {
      const state = this.ctx.cache.getFileTestResults(`${f.project.name}:${path.relative(root, f.moduleId)}`);
      return {
        failed: state?.failed ? 0 : 1,
        unit: f.moduleId.includes('/tests/unit/') ? 0 : 1,
        duration: state?.duration ?? Number.MAX_SAFE_INTEGER,
      };
    };
    const ranked = files.map((f) => ({ f, r: rank(f) }));
    ranked.sort((a, b) => a.r.failed - b.r.failed || a.r.unit - b.r.unit || a.r.duration - b.r.duration);
    return Promise.resolve(ranked.map((x) => x.f));
  }
}

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
    sequence: { sequencer: QuickestKillFirst },
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
