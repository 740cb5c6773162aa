import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { CliChild, liveLocalTradeArgs } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * Starting a live session against the local exchange: the WebSocket API URL as the local exchange's
 * banner prints it (with /ws-api/v3) works; an endpoint that keeps failing ends the start with the
 * reason instead of retrying forever; and Ctrl+C / SIGTERM are honoured while connecting.
 */
const KEY = 'liveStartTestKey00000000000000000000000000000000000000000000001';
const SECRET = 'liveStartTestSecret000000000000000000000000000000000000000000001';

let tmp: ReturnType<typeof tempDir>;
let fake: FakeBinance;
const children: CliChild[] = [];

beforeEach(async () => {
  tmp = tempDir();
  fake = await startFakeBinance({
    symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
  });
  for (const [s, p] of Object.entries({ BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 })) fake.setPrice(s, p);
});
afterEach(async () => {
  for (const c of children.splice(0)) await c.stop();
  await fake.close();
  tmp.cleanup();
});

function trader(wsApiUrl: string): CliChild {
  const c = CliChild.start(liveLocalTradeArgs(fake, path.join(tmp.dir, 'live-local.sqlite'), { wsApiUrl }), {
    BINANCE_API_KEY: KEY,
    BINANCE_API_SECRET: SECRET,
  });
  children.push(c);
  return c;
}

describe('startTrading live: connecting', () => {
  it('takes the WebSocket API URL with its /ws-api/v3 path, as the local exchange prints it', async () => {
    const c = trader(fake.wsApiUrl);
    await c.waitFor(/Binance user data stream connected/);
    c.proc.kill('SIGINT');
    const r = await c.exited;
    expect(r.code, c.err).toBe(0);
    expect(fake.wsApi.upgradeAttempts().every((u) => u.status === 101)).toBe(true);
  });

  it('a WebSocket API URL that answers 404 ends the start at once with the reason, not a retry loop', async () => {
    fake.faults.refuseWsUpgradeNext(100, 404);
    const t = Date.now();
    const c = trader(fake.wsApiUrl);
    const r = await c.exited;
    expect(r.code).toBe(1);
    expect(c.err).toMatch(
      /cannot subscribe to the user data stream at ws:\/\/127\.0\.0\.1:\d+\/ws-api\/v3: .*HTTP 404/,
    );
    expect(c.err).toContain('is the WebSocket API URL right?');
    expect(c.err).not.toContain('[object Object]');
    expect(fake.wsApi.upgradeAttempts().length).toBe(1);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('a WebSocket API that keeps answering 503: three attempts 5 s apart, then a clear error', async () => {
    fake.faults.refuseWsUpgradeNext(100, 503);
    const c = trader(fake.wsUrl);
    const r = await c.exited;
    expect(r.code).toBe(1);
    expect(c.err).toMatch(/cannot subscribe to the user data stream .*HTTP 503.*\(after 3 attempts\)/);
    const times = fake.wsApi.upgradeAttempts().map((u) => u.time);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(4900);
  }, 30_000);

  it('SIGTERM while it waits to try the WebSocket API again: stops at once, exit 0', async () => {
    fake.faults.refuseWsUpgradeNext(100, 503);
    const c = trader(fake.wsUrl);
    await c.waitFor(/user data stream: the server answered HTTP 503/);
    const t = Date.now();
    c.proc.kill('SIGTERM');
    const r = await c.exited;
    expect(Date.now() - t).toBeLessThan(3000);
    expect(r.code, c.err).toBe(0);
    expect(c.out).toContain('Stopped while connecting');
  }, 30_000);
});
