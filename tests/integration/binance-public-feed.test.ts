import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MainClient } from 'binance';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { BinancePublicFeed, type BinancePublicFeedOptions } from '../../electron/adapters/binance/public-feed';
import { parseExchangeInfoRules } from '../../electron/adapters/binance/symbol-rules-from-exchange-info';
import type { Candle, FeedHealth, FeedSink } from '../../electron/core/ports/market-feed';
import { generateCandles } from '../../tools/candles/synthetic';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';

/**
 * The real `binance` client against the fake exchange on 127.0.0.1: REST warm-up, closed klines
 * over the combined stream, reconnect with backfill, unreachable servers, and a clean shutdown.
 */

const T0 = Date.UTC(2024, 0, 1);
const BTC = { symbol: 'BTCUSDT', interval: '1m' } as const;
const ETH = { symbol: 'ETHUSDT', interval: '1m' } as const;

let fake: FakeBinance;
let btc: Candle[];
let eth: Candle[];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeEach(async () => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  btc = generateCandles({ ...BTC, startTime: T0, count: 1600, seed: 1, startPrice: 42_000 });
  eth = generateCandles({ ...ETH, startTime: T0, count: 1600, seed: 2, startPrice: 2_300 });
  fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], time: T0 });
});

afterEach(async () => {
  await fake.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function feedFor(f: FakeBinance, extra: BinancePublicFeedOptions = {}): BinancePublicFeed {
  return new BinancePublicFeed({
    restBaseUrl: f.restUrl,
    wsBaseUrl: f.wsUrl,
    retryBaseMs: 20,
    retryMaxMs: 1000,
    requestTimeoutMs: 2000,
    ...extra,
  });
}

/** A sink recording everything, with awaitable conditions. */
function recorder(onCandle?: (c: Candle) => void | Promise<void>) {
  const candles: Candle[] = [];
  const trades: { symbol: string; price: number; time: number }[] = [];
  const health: FeedHealth[] = [];
  const sink: FeedSink = {
    onCandle(c) {
      candles.push(c);
      return onCandle?.(c);
    },
    onTrade(symbol, price, time) {
      trades.push({ symbol, price, time });
    },
    onHealth(h) {
      health.push(h);
    },
  };
  return { sink, candles, trades, health };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const times = (list: readonly Candle[]): number[] => list.map((c) => (c.openTime - T0) / 60_000);

describe('BinancePublicFeed warm-up', () => {
  it('returns the newest closed candles over REST, paging past 1000, without the forming one', async () => {
    fake.addHistory('BTCUSDT', '1m', btc.slice(0, 1500));
    fake.pushCandle('BTCUSDT', '1m', btc[1500]!, { closed: false }); // still forming: must not be returned
    const feed = feedFor(fake);

    const few = await feed.warmup(BTC, 5);
    expect(few).toEqual(btc.slice(1495, 1500));

    const many = await feed.warmup(BTC, 1200);
    expect(many.length).toBe(1200);
    expect(many).toEqual(btc.slice(300, 1500));

    const more = await feed.warmup(BTC, 5000);
    expect(more).toEqual(btc.slice(0, 1500));
    expect(await feed.warmup(BTC, 0)).toEqual([]);
  });

  it('rejects at once, with a readable reason, when Binance refuses the request', async () => {
    const feed = feedFor(fake);
    await expect(feed.warmup({ symbol: 'NOPEUSDT', interval: '1m' }, 5)).rejects.toThrowError(
      'REST klines NOPEUSDT 1m: Binance rejected the request (HTTP 400, code -1121): Invalid symbol.',
    );
  });
});

describe('BinancePublicFeed streams', () => {
  it('delivers only closed klines, each once and in order, and trades', async () => {
    const feed = feedFor(fake);
    const rec = recorder();
    const ac = new AbortController();
    const run = feed.run([BTC, ETH], rec.sink, ac.signal);
    await fake.waitForSubscriber('btcusdt@kline_1m');
    await fake.waitForSubscriber('ethusdt@kline_1m');
    await fake.waitForSubscriber('btcusdt@trade');

    for (let i = 0; i < 5; i++) {
      fake.pushCandle('BTCUSDT', '1m', { ...btc[i]!, close: btc[i]!.open }, { closed: false });
      fake.pushCandle('BTCUSDT', '1m', btc[i]!, { closed: false });
      fake.pushCandle('BTCUSDT', '1m', btc[i]!, { closed: true });
      fake.pushCandle('ETHUSDT', '1m', eth[i]!, { closed: i % 2 === 0 });
    }
    fake.pushCandle('BTCUSDT', '1m', btc[4]!, { closed: true }); // a repeated frame
    fake.pushTrade('BTCUSDT', 42_123.45, { time: T0 + 5 * 60_000 + 1 });
    await waitFor(
      '5 BTC candles and a trade',
      () => rec.candles.filter((c) => c.symbol === 'BTCUSDT').length === 5 && rec.trades.length === 1,
    );

    expect(rec.candles.filter((c) => c.symbol === 'BTCUSDT')).toEqual(btc.slice(0, 5));
    // ETH candles 0, 2 and 4 were closed; 1 and 3 only forming. The feed noticed the holes
    // and fetched the closed ones from REST... which never had them: the exchange knows only 0, 2, 4.
    expect(times(rec.candles.filter((c) => c.symbol === 'ETHUSDT'))).toEqual([0, 2, 4]);
    expect(rec.trades).toEqual([{ symbol: 'BTCUSDT', price: 42_123.45, time: T0 + 5 * 60_000 + 1 }]);
    expect(rec.health[0]).toEqual({ state: 'connecting', detail: `market streams at ${fake.wsUrl}` });
    expect(rec.health).toContainEqual({ state: 'live' });

    ac.abort();
    await run;
    expect(rec.health[rec.health.length - 1]).toEqual({ state: 'ended' });
  });

  it('reconnects after a drop and backfills the missed candles in order, without duplicates', async () => {
    fake.addHistory('BTCUSDT', '1m', btc.slice(0, 100));
    const feed = feedFor(fake);
    expect(await feed.warmup(BTC, 50)).toEqual(btc.slice(50, 100));

    // A slow sink: every delivery awaits a timer, so deliveries must never overlap.
    let busy = false;
    let overlaps = 0;
    const rec = recorder(async () => {
      if (busy) overlaps++;
      busy = true;
      await new Promise((r) => setTimeout(r, 1));
      busy = false;
    });
    // Two candles close between warm-up and run(): the first connection fetches them.
    fake.addHistory('BTCUSDT', '1m', btc.slice(100, 102));
    const ac = new AbortController();
    const run = feed.run([BTC], rec.sink, ac.signal);
    await waitFor('the resume backfill', () => rec.health.some((h) => h.state === 'backfilled'));
    expect(rec.health).toContainEqual({ state: 'backfilled', symbol: 'BTCUSDT', candles: 2 });
    await fake.waitForSubscriber('btcusdt@kline_1m');
    fake.pushCandle('BTCUSDT', '1m', btc[102]!, { closed: true });
    await waitFor('a live candle', () => rec.candles.length === 3);

    const before = rec.health.length;
    fake.dropAllSockets();
    // While the client is away: 30 candles close, with frames nobody receives.
    fake.addHistory('BTCUSDT', '1m', btc.slice(103, 133));
    await waitFor('a backfill report', () => rec.health.slice(before).some((h) => h.state === 'backfilled'));
    await fake.waitForSubscriber('btcusdt@kline_1m');
    fake.pushCandle('BTCUSDT', '1m', btc[132]!, { closed: true }); // already backfilled
    fake.pushCandle('BTCUSDT', '1m', btc[133]!, { closed: true });
    await waitFor('candle 133', () => rec.candles.some((c) => c.openTime === btc[133]!.openTime));

    expect(times(rec.candles)).toEqual(times(btc.slice(100, 134)));
    expect(rec.candles).toEqual(btc.slice(100, 134));
    expect(overlaps).toBe(0);
    const states = rec.health.map((h) => h.state);
    expect(states.indexOf('reconnecting')).toBeGreaterThan(states.indexOf('live'));
    expect(rec.health.slice(before)).toEqual([
      { state: 'reconnecting', detail: `market stream ${fake.wsUrl}: connection lost`, attempt: 1, retryInMs: 20 },
      { state: 'live' },
      { state: 'backfilled', symbol: 'BTCUSDT', candles: 30 },
    ]);

    ac.abort();
    await run;
  });

  it('fills the gap between warm-up and the first streamed candle', async () => {
    fake.addHistory('BTCUSDT', '1m', btc.slice(0, 60));
    const feed = feedFor(fake);
    await feed.warmup(BTC, 20);
    fake.addHistory('BTCUSDT', '1m', btc.slice(60, 65)); // closed between warm-up and run()
    const rec = recorder();
    const ac = new AbortController();
    const run = feed.run([BTC], rec.sink, ac.signal);
    await waitFor('the resumed candles', () => rec.candles.length === 5);
    await fake.waitForSubscriber('btcusdt@kline_1m');
    fake.pushCandle('BTCUSDT', '1m', btc[65]!, { closed: true });
    await waitFor('candle 65', () => rec.candles.length === 6);
    expect(rec.candles).toEqual(btc.slice(60, 66));
    ac.abort();
    await run;
  });
});

describe('BinancePublicFeed gaps and failures', () => {
  it('fills a long hole in the stream from REST, page by page, before the candle after it', async () => {
    const feed = feedFor(fake);
    const rec = recorder();
    const ac = new AbortController();
    const run = feed.run([BTC], rec.sink, ac.signal);
    await fake.waitForSubscriber('btcusdt@kline_1m');
    fake.pushCandle('BTCUSDT', '1m', btc[0]!, { closed: true });
    await waitFor('candle 0', () => rec.candles.length === 1);
    // 1200 frames lost without the connection noticing; the next frame reveals the hole.
    fake.addHistory('BTCUSDT', '1m', btc.slice(1, 1201));
    fake.pushCandle('BTCUSDT', '1m', btc[1201]!, { closed: true });
    await waitFor('candle 1201', () => rec.candles.length === 1202);
    expect(rec.candles).toEqual(btc.slice(0, 1202));
    expect(rec.health).toContainEqual({ state: 'backfilled', symbol: 'BTCUSDT', candles: 1200 });
    ac.abort();
    await run;
  });

  it('ends the run with the error a sink throws, closing the connection', async () => {
    const feed = feedFor(fake);
    const ac = new AbortController();
    const run = feed.run([BTC], { onCandle: () => Promise.reject(new Error('engine broke')) }, ac.signal);
    await fake.waitForSubscriber('btcusdt@kline_1m');
    fake.pushCandle('BTCUSDT', '1m', btc[0]!, { closed: true });
    await expect(run).rejects.toThrowError('engine broke');
    await waitFor('the connection to close', () => fake.streams.connectionCount() === 0);
  });
});

describe('fake Binance market endpoints', () => {
  it('serves exchangeInfo, ping, time, ticker and string-valued klines to the real client', async () => {
    fake.addHistory('BTCUSDT', '1m', btc.slice(0, 3));
    const client = new MainClient({ baseUrl: fake.restUrl });
    expect(await client.testConnectivity()).toEqual({});
    expect(await client.get('api/v3/time')).toEqual({ serverTime: btc[2]!.closeTime + 1 });

    const rules = parseExchangeInfoRules(await client.getExchangeInfo());
    expect([...rules.keys()]).toEqual(['BTCUSDT', 'ETHUSDT']);
    const r = rules.get('BTCUSDT')!;
    expect([r.tickSize.toFixed(), r.stepSize.toFixed(), r.minQty.toFixed(), r.minNotional.toFixed()]).toEqual([
      '0.01',
      '0.00001',
      '0.00001',
      '5',
    ]);
    expect([r.quotePrecision, r.basePrecision, r.applyMinToMarket, r.ocoAllowed]).toEqual([8, 8, true, true]);

    const rows = await client.getKlines({ symbol: 'BTCUSDT', interval: '1m', limit: 2 });
    expect(rows.length).toBe(2);
    expect(rows[1]![0]).toBe(btc[2]!.openTime);
    expect(rows[1]![4]).toBe(btc[2]!.close.toFixed(8));
    expect(rows[1]![6]).toBe(btc[2]!.closeTime);
    expect(rows[1]).toHaveLength(12);

    fake.pushTrade('BTCUSDT', 42_001.5);
    expect(await client.getSymbolPriceTicker({ symbol: 'BTCUSDT' })).toEqual({
      symbol: 'BTCUSDT',
      price: '42001.50000000',
    });
  });

  it('speaks the combined-stream protocol: initial streams, SUBSCRIBE by id, errors', async () => {
    const ws = new WebSocket(`${fake.wsUrl}/stream?streams=btcusdt@trade`);
    const frames: unknown[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      fake.pushTrade('BTCUSDT', 42_000, { time: 123, qty: 0.5 });
      ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@kline_1m'], id: 7 }));
      ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 8 }));
      ws.send(JSON.stringify({ method: 'SUBSCRIBEE', params: [], id: 9 }));
      await waitFor('3 replies', () => frames.length === 4);
      fake.pushCandle('ETHUSDT', '1m', eth[0]!, { closed: false });
      await waitFor('a kline frame', () => frames.length === 5);
      expect(frames[0]).toMatchObject({
        stream: 'btcusdt@trade',
        data: { e: 'trade', s: 'BTCUSDT', p: '42000.00000000', q: '0.50000000', T: 123, M: true },
      });
      expect(frames.slice(1, 3)).toEqual([
        { result: null, id: 7 },
        { result: ['btcusdt@trade', 'ethusdt@kline_1m'], id: 8 },
      ]);
      expect(frames[3]).toMatchObject({ error: { code: 2 }, id: 9 });
      expect(frames[4]).toMatchObject({
        stream: 'ethusdt@kline_1m',
        data: {
          e: 'kline',
          s: 'ETHUSDT',
          k: { t: eth[0]!.openTime, T: eth[0]!.closeTime, i: '1m', x: false, o: eth[0]!.open.toFixed(8) },
        },
      });
    } finally {
      ws.terminate();
    }
  });
});

describe('BinancePublicFeed without a server', () => {
  it('reports reconnecting with growing delays, never throws, and stops on abort', async () => {
    const baseline = handleCounts();
    const port = await closedPort();
    const url = `127.0.0.1:${port}`;
    const warmHealth: FeedHealth[] = [];
    const feed = new BinancePublicFeed({
      restBaseUrl: `http://${url}`,
      wsBaseUrl: `ws://${url}`,
      retryBaseMs: 10,
      retryMaxMs: 80,
      onHealth: (h) => warmHealth.push(h),
    });

    const ac = new AbortController();
    const warm = feed.warmup(BTC, 10, ac.signal);
    await waitFor('5 REST retries', () => warmHealth.length >= 5);
    ac.abort();
    await expect(warm).rejects.toMatchObject({
      name: 'AbortError',
      message: 'Binance warm-up of BTCUSDT 1m was aborted',
    });
    const delays = warmHealth.map((h) => (h.state === 'reconnecting' ? h.retryInMs : -1));
    expect(delays.slice(0, 5)).toEqual([10, 20, 40, 80, 80]);
    expect(warmHealth[0]).toEqual({
      state: 'reconnecting',
      detail: `REST time (BTCUSDT 1m warm-up): cannot reach ${url} (ECONNREFUSED)`,
      attempt: 1,
      retryInMs: 10,
    });

    const rec = recorder();
    const ac2 = new AbortController();
    const run = feed.run([BTC], rec.sink, ac2.signal);
    await waitFor('5 stream retries', () => rec.health.filter((h) => h.state === 'reconnecting').length >= 5);
    ac2.abort();
    await run;
    const streamRetries = rec.health.filter((h) => h.state === 'reconnecting');
    expect(streamRetries.slice(0, 5).map((h) => h.retryInMs)).toEqual([10, 20, 40, 80, 80]);
    expect(streamRetries.slice(0, 5).map((h) => h.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(streamRetries[0]!.detail).toContain(`ECONNREFUSED ${url}`);
    expect(rec.candles).toEqual([]);
    await expectHandlesBackTo(baseline);
  });

  it('stops retrying the stream once aborted', async () => {
    // A server that hangs up on every connection: the client keeps retrying until told to stop.
    let attempts = 0;
    const hangUp = createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const { port } = hangUp.address() as AddressInfo;
    try {
      const feed = new BinancePublicFeed({ wsBaseUrl: `ws://127.0.0.1:${port}`, retryBaseMs: 10, retryMaxMs: 20 });
      const rec = recorder();
      const ac = new AbortController();
      const run = feed.run([BTC], rec.sink, ac.signal);
      await waitFor('3 connection attempts', () => attempts >= 3);
      ac.abort();
      await run;
      const seen = attempts;
      await new Promise((r) => setTimeout(r, 150)); // several retry delays
      expect(attempts).toBe(seen);
      expect(rec.health.filter((h) => h.state === 'reconnecting').length).toBeGreaterThanOrEqual(2);
      expect(rec.health[rec.health.length - 1]).toEqual({ state: 'ended' });
    } finally {
      await new Promise<void>((resolve) => hangUp.close(() => resolve()));
    }
  });

  it('retries a busy server (HTTP 5xx) and then succeeds', async () => {
    fake.addHistory('BTCUSDT', '1m', btc.slice(0, 10));
    const proxy = await flakyProxy(fake.restUrl, 2);
    try {
      const health: FeedHealth[] = [];
      const feed = new BinancePublicFeed({
        restBaseUrl: proxy.url,
        wsBaseUrl: fake.wsUrl,
        retryBaseMs: 10,
        onHealth: (h) => health.push(h),
      });
      expect(await feed.warmup(BTC, 3)).toEqual(btc.slice(7, 10));
      expect(health).toEqual([
        {
          state: 'reconnecting',
          detail: 'REST time (BTCUSDT 1m warm-up): Binance server error (HTTP 503): busy',
          attempt: 1,
          retryInMs: 10,
        },
        {
          state: 'reconnecting',
          detail: 'REST time (BTCUSDT 1m warm-up): Binance server error (HTTP 503): busy',
          attempt: 2,
          retryInMs: 20,
        },
      ]);
    } finally {
      await proxy.close();
    }
  });
});

describe('BinancePublicFeed shutdown', () => {
  it('closes its connection when aborted, never reconnects, and leaves no handle behind', async () => {
    const baseline = handleCounts();
    const local = await startFakeBinance({ symbols: ['BTCUSDT'], time: T0 });
    local.addHistory('BTCUSDT', '1m', btc.slice(0, 10));
    const feed = feedFor(local);
    await feed.warmup(BTC, 5);
    const rec = recorder();
    const ac = new AbortController();
    const run = feed.run([BTC], rec.sink, ac.signal);
    await local.waitForSubscriber('btcusdt@kline_1m');
    local.pushCandle('BTCUSDT', '1m', btc[10]!, { closed: true });
    await waitFor('a candle', () => rec.candles.length === 1);
    ac.abort();
    await run;
    // The server sees the connection go, and no new one: a client left running would reconnect.
    await waitFor('the connection to close', () => local.streams.connectionCount() === 0, 1000);
    const accepted = local.streams.acceptedCount();
    await new Promise((r) => setTimeout(r, 150)); // several retry delays
    expect(local.streams.acceptedCount()).toBe(accepted);
    await local.close();
    await expectHandlesBackTo(baseline);
  });
});

/**
 * Expects no socket, server or timer beyond the baseline. Sockets finish closing on later turns of
 * the event loop, so it waits for that; and a reconnect loop has moments with no timer pending (a
 * connection attempt failing), so the count must stay down for longer than the retry delays.
 */
async function expectHandlesBackTo(baseline: HandleCounts): Promise<void> {
  const extra = (): string[] => {
    const now = handleCounts();
    return (Object.keys(now) as (keyof HandleCounts)[])
      .filter((k) => now[k] > baseline[k])
      .map((k) => `${k}: ${now[k]}`);
  };
  const deadline = Date.now() + 2000;
  let calmSince = Date.now();
  while (Date.now() - calmSince < 250 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
    if (extra().length > 0) calmSince = Date.now();
  }
  expect(extra()).toEqual([]);
  expect(Date.now() - calmSince).toBeGreaterThanOrEqual(250);
}

interface HandleCounts {
  sockets: number;
  servers: number;
  timers: number;
  immediates: number;
}

function handleCounts(): HandleCounts {
  const info = process.getActiveResourcesInfo();
  const count = (type: string): number => info.filter((r) => r === type).length;
  return {
    sockets: count('TCPSocketWrap'),
    servers: count('TCPServerWrap'),
    timers: count('Timeout'),
    immediates: count('Immediate'),
  };
}

/** A port on 127.0.0.1 that nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An HTTP front that answers 503 to the first `failures` requests, then forwards to target. */
async function flakyProxy(target: string, failures: number): Promise<{ url: string; close: () => Promise<void> }> {
  let left = failures;
  const server = createHttpServer((req, res) => {
    if (left-- > 0) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: -1008, msg: 'busy' }));
      return;
    }
    httpGet(`${target}${req.url ?? '/'}`, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, { 'content-type': 'application/json' });
      upstream.pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
