import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { CliChild } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * Stopping (SIGINT, SIGTERM) is honoured at every moment of a session on live market data, while
 * the market streams cannot be reached at start and while they reconnect mid-session: the process
 * ends within a few seconds, exit 0, the ledger closed cleanly (its status command reads it).
 */
let tmp: ReturnType<typeof tempDir>;
let fake: FakeBinance;
const children: CliChild[] = [];

beforeEach(async () => {
  tmp = tempDir();
  fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'] });
  for (const [s, p] of Object.entries({ BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 })) fake.setPrice(s, p);
});
afterEach(async () => {
  for (const c of children.splice(0)) await c.stop();
  await fake.close();
  tmp.cleanup();
});

function paperOnLiveData(wsUrl = fake.wsUrl): CliChild {
  const c = CliChild.start([
    'trade',
    '--paper',
    '--parameterSets=config/live-params.json',
    '--market=binance',
    `--binance-rest-url=${fake.restUrl}`,
    `--binance-ws-url=${wsUrl}`,
    `--db=${path.join(tmp.dir, 'paper.sqlite')}`,
  ]);
  children.push(c);
  return c;
}

async function stopsWithin(c: CliChild, signal: NodeJS.Signals, ms: number): Promise<void> {
  const t = Date.now();
  c.proc.kill(signal);
  const r = await c.exited;
  expect(Date.now() - t, c.out + c.err).toBeLessThan(ms);
  expect(r.code, c.out + c.err).toBe(0);
}

describe('stopping a session at any moment', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s while the market streams refuse the connection (503) at start: stops at once, exit 0',
    async (signal) => {
      fake.setStreamsAccepting(false);
      const c = paperOnLiveData();
      await c.waitFor(/Market data unreachable .* retry 2 in/);
      await stopsWithin(c, signal, 3000);
    },
    30_000,
  );

  it('SIGTERM while the market stream URL answers 404: stops at once, exit 0', async () => {
    const c = paperOnLiveData(`${fake.wsUrl}/no-such-path`);
    await c.waitFor(/Market data unreachable .*(404|Unexpected server response)/);
    await stopsWithin(c, 'SIGTERM', 3000);
  }, 30_000);

  it('SIGTERM while the market data reconnects mid-session: stops at once, exit 0', async () => {
    const c = paperOnLiveData();
    await c.waitFor(/Market data connected/);
    fake.setStreamsAccepting(false);
    fake.dropAllSockets();
    await c.waitFor(/(unreachable|reconnect)/i);
    await stopsWithin(c, 'SIGTERM', 3000);
  }, 30_000);
});
