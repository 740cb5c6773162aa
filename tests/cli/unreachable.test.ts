import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliChild } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * Paper trading on live prices when Binance cannot be reached (a closed port stands in for an
 * offline machine): the first failure says so at once and names what can be traded instead (a
 * replay, the local exchange), once, beside the retries; Ctrl+C still stops it.
 */
describe('Binance unreachable at the start', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('says so at once and offers a replay or the local exchange, once', async () => {
    const child = CliChild.start([
      'trade',
      '--paper',
      '--parameterSets=config/live-params.json',
      `--data-dir=${path.join(tmp.dir, 'data')}`,
      // Port 9 (discard) on loopback: nothing listens, every connection is refused at once.
      '--binance-rest-url=http://127.0.0.1:9',
      '--binance-ws-url=ws://127.0.0.1:9',
    ]);
    try {
      const t = Date.now();
      await child.waitFor(/Market data unreachable .* retry 1 in/);
      await child.waitFor(/Binance cannot be reached from here\. Tranche keeps trying/);
      expect(Date.now() - t).toBeLessThan(5000);
      await child.waitFor(/retry 3 in/, 15_000);
      expect(child.out.match(/Binance cannot be reached from here/g)).toHaveLength(1);
      expect(child.out).toMatch(/--market=replay:DIR/);
      expect(child.out).toMatch(/npm run fake-binance/);
      child.proc.kill('SIGINT');
      expect((await child.exited).code).toBe(0);
    } finally {
      await child.stop();
    }
  }, 40_000);
});
