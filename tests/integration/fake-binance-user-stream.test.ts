import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../tools/fake-binance/prng';
import { hmacSigner, RawWsApi, until, type WsApiEvent } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../../tools/fake-binance/server';

/**
 * The user data stream as Binance delivers it when things are not tidy: events of one operation in
 * another order (balance first, shuffled), delayed (reordered across operations), duplicated, lost
 * without a disconnect; subscriptions ended by eventStreamTerminated; connections closed at the end
 * of their lifetime; serverShutdown in the documented shapes.
 */

const KEY = 'stream-key';
const SECRET = 'stream-secret';
const BTC = 'BTCUSDT';
const sign = hmacSigner(SECRET);

let fakes: FakeBinance[] = [];
let sockets: RawWsApi[] = [];

afterEach(async () => {
  for (const s of sockets) await s.close();
  for (const f of fakes) await f.close();
  sockets = [];
  fakes = [];
});

async function start(options: FakeBinanceOptions = {}): Promise<{ fake: FakeBinance; ws: RawWsApi }> {
  const fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '100000' } }],
    ...options,
  });
  fakes.push(fake);
  fake.setPrice(BTC, 40_000);
  const ws = await RawWsApi.connect(fake.wsApiUrl);
  sockets.push(ws);
  expect(await ws.signed('userDataStream.subscribe.signature', KEY, sign)).toMatchObject({ status: 200 });
  return { fake, ws };
}

/** A MARKET buy entered for the account (one batch: NEW, TRADE, outboundAccountPosition). */
const buy = (fake: FakeBinance, id: string) =>
  fake.placeOrderAsOtherClient(KEY, {
    symbol: BTC,
    side: 'BUY',
    type: 'MARKET',
    quoteOrderQty: '100',
    clientOrderId: id,
  });

/** "e/x/c" per event: which event of which order. */
const labels = (events: WsApiEvent[]): string[] =>
  events.map(({ event: e }) => (e.e === 'executionReport' ? `${String(e.x)}:${String(e.c)}` : `${e.e}`));

describe('user data stream chaos', () => {
  it('balanceFirst: each batch delivers its outboundAccountPosition before its executionReports', async () => {
    const { fake, ws } = await start();
    fake.faults.setUserStreamChaos({ seed: 1, balanceFirst: true });
    buy(fake, 'b1');
    buy(fake, 'b2');
    await until('both batches', () => ws.events.length === 6);
    expect(labels(ws.events)).toEqual([
      'outboundAccountPosition',
      'NEW:b1',
      'TRADE:b1',
      'outboundAccountPosition',
      'NEW:b2',
      'TRADE:b2',
    ]);
    fake.faults.setUserStreamChaos(undefined);
    buy(fake, 'b3');
    await until('the orderly batch', () => ws.events.length === 9);
    expect(labels(ws.events.slice(6))).toEqual(['NEW:b3', 'TRADE:b3', 'outboundAccountPosition']);
  });

  it('shuffle: order within a batch is random but repeats with the seed; nothing is lost', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const { fake, ws } = await start();
      fake.faults.setUserStreamChaos({ seed, shuffle: true });
      for (let i = 0; i < 6; i++) buy(fake, `s${i}`);
      await until('all batches', () => ws.events.length === 18);
      return labels(ws.events);
    };
    const a = await run(42);
    const b = await run(42);
    expect(a).toEqual(b);
    const orderly = [0, 1, 2, 3, 4, 5].flatMap((i) => [`NEW:s${i}`, `TRADE:s${i}`, 'outboundAccountPosition']);
    expect(a).not.toEqual(orderly);
    for (let i = 0; i < 6; i++)
      expect([...a.slice(i * 3, i * 3 + 3)].sort()).toEqual([...orderly.slice(i * 3, i * 3 + 3)].sort());
  });

  it('delayMs: each event delayed on its own, which reorders across batches, as the seed says', async () => {
    const { fake, ws } = await start();
    const seed = 7;
    fake.faults.setUserStreamChaos({ seed, delayMs: [0, 150] });
    // Both batches go out in the same tick, so each event's arrival follows from its delay alone.
    buy(fake, 'd1');
    buy(fake, 'd2');
    await until('all events', () => ws.events.length === 6, 2000);
    const random = mulberry32(seed); // the first subscription's generator starts from the seed itself
    const sent = ['NEW:d1', 'TRADE:d1', 'outboundAccountPosition', 'NEW:d2', 'TRADE:d2', 'outboundAccountPosition'];
    const delays = sent.map(() => Math.round(random() * 150));
    const expected = sent
      .map((label, i) => ({ label, delay: delays[i]!, i }))
      .sort((x, y) => x.delay - y.delay || x.i - y.i)
      .map((x) => x.label);
    expect(labels(ws.events)).toEqual(expected);
    expect(expected).not.toEqual(sent);
  });

  it('duplicate: some events come twice (probability 1: every one), the very same event', async () => {
    const { fake, ws } = await start();
    fake.faults.setUserStreamChaos({ seed: 3, duplicate: 1 });
    buy(fake, 'x1');
    await until('the duplicates', () => ws.events.length === 6);
    expect(labels(ws.events)).toEqual([
      'NEW:x1',
      'NEW:x1',
      'TRADE:x1',
      'TRADE:x1',
      'outboundAccountPosition',
      'outboundAccountPosition',
    ]);
    expect(ws.events[2]).toEqual(ws.events[3]);
  });

  it('dropNextUserEvents: events lost while the connection stays up', async () => {
    const { fake, ws } = await start();
    fake.faults.dropNextUserEvents(2);
    buy(fake, 'lost');
    buy(fake, 'kept');
    await until('what is left', () => ws.events.length === 4);
    expect(labels(ws.events)).toEqual(['outboundAccountPosition', 'NEW:kept', 'TRADE:kept', 'outboundAccountPosition']);
    expect((await ws.request('ping')).status).toBe(200);
  });
});

describe('how subscriptions and connections end', () => {
  it('terminateUserStreams: eventStreamTerminated on the subscription, which ends; the connection stays', async () => {
    const { fake, ws } = await start();
    expect(fake.terminateUserStreams(KEY)).toBe(1);
    await until('the termination', () => ws.events.length === 1);
    expect(ws.events[0]).toEqual({ subscriptionId: 0, event: { e: 'eventStreamTerminated', E: expect.any(Number) } });
    buy(fake, 'after');
    expect((await ws.request('session.subscriptions')).result).toEqual([]);
    expect(ws.events).toHaveLength(1);
    // Subscribe again on the same connection: a new id.
    expect(await ws.signed('userDataStream.subscribe.signature', KEY, sign)).toMatchObject({
      status: 200,
      result: { subscriptionId: 1 },
    });
    buy(fake, 'again');
    await until('events again', () => ws.events.length === 4);
    expect(ws.events[1]).toMatchObject({ subscriptionId: 1, event: { e: 'executionReport', c: 'again' } });
  });

  it('wsApiConnectionLifetimeMs: the server closes a connection when it reaches that age', async () => {
    const { ws } = await start({ wsApiConnectionLifetimeMs: 200 });
    const opened = Date.now();
    expect(await ws.closed()).toBe(1000);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(150);
  });

  it('serverShutdown: {event: {e, E}} on the WS API; raw and combined forms on market streams', async () => {
    const { fake, ws } = await start();
    const messages = (url: string) => {
      const got: unknown[] = [];
      const s = new WebSocket(url);
      s.on('message', (d) => got.push(JSON.parse(String(d))));
      return { got, open: new Promise((r) => s.once('open', r)), s };
    };
    const raw = messages(`${fake.wsUrl}/ws/btcusdt@trade`);
    const combined = messages(`${fake.wsUrl}/stream?streams=btcusdt@trade`);
    await Promise.all([raw.open, combined.open]);
    fake.sendServerShutdown(undefined, { marketStreams: true });
    await until(
      'the shutdown events',
      () => ws.events.length === 1 && raw.got.length === 1 && combined.got.length === 1,
    );
    expect(ws.events[0]).toEqual({ event: { e: 'serverShutdown', E: expect.any(Number) } });
    expect(raw.got[0]).toEqual({ e: 'serverShutdown', E: expect.any(Number) });
    expect(combined.got[0]).toEqual({
      stream: '!serverShutdown',
      data: { e: 'serverShutdown', E: expect.any(Number) },
    });
    raw.s.close();
    combined.s.close();
  });
});
