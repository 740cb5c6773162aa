import { afterEach, describe, expect, it } from 'vitest';
import { hmacSigner, RawWsApi } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance, type FakeBinanceOptions } from '../../tools/fake-binance/server';

/**
 * The WebSocket API on time, weight and limits as web-socket-api.md describes them: timestamps and
 * recvWindow checked on the server's clock (-1021), request weight per IP shared with REST
 * (connecting costs 2), 429 with data.retryAfter and 418 bans that disconnect and refuse upgrades,
 * scripted refusals, and counters of what arrived.
 */

const KEY = 'limits-key';
const SECRET = 'limits-secret';
const sign = hmacSigner(SECRET);
/** 30 s into a minute, standing still: weight counts cannot roll over into a new minute mid-test. */
const T0 = Date.UTC(2026, 0, 5, 12, 0, 30);

let fake: FakeBinance;
let sockets: RawWsApi[] = [];

async function start(options: FakeBinanceOptions = {}): Promise<void> {
  fake = await startFakeBinance({
    symbols: ['BTCUSDT'],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
    ...options,
  });
}

async function connect(): Promise<RawWsApi> {
  const ws = await RawWsApi.connect(fake.wsApiUrl);
  sockets.push(ws);
  return ws;
}

afterEach(async () => {
  for (const s of sockets) await s.close();
  sockets = [];
  await fake.close();
});

const get = async (path: string) => {
  const res = await fetch(`${fake.restUrl}${path}`);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};

describe('timing security of userDataStream.subscribe.signature', () => {
  it('server 3 s ahead: fine within the default recvWindow, -1021 with recvWindow 2000, as {id, status: 400, error}', async () => {
    await start();
    fake.faults.setClockSkew(3000);
    const ws = await connect();
    const late = await ws.signed('userDataStream.subscribe.signature', KEY, sign, { recvWindow: 2000 });
    expect(late).toEqual({
      id: 1,
      status: 400,
      error: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
      rateLimits: [expect.objectContaining({ rateLimitType: 'REQUEST_WEIGHT' })],
    });
    // recvWindow takes up to three decimals.
    expect(await ws.signed('userDataStream.subscribe.signature', KEY, sign, { recvWindow: '4000.5' })).toMatchObject({
      status: 200,
      result: { subscriptionId: 0 },
    });
    expect(await ws.signed('userDataStream.unsubscribe', KEY, sign)).toMatchObject({ status: 200 });
    expect(await ws.signed('userDataStream.subscribe.signature', KEY, sign)).toMatchObject({ status: 200 });
    expect(await ws.signed('userDataStream.subscribe.signature', KEY, sign, { recvWindow: 60_001 })).toMatchObject({
      status: 400,
      error: { code: -1102 },
    });
  });

  it('server 2 s behind: -1021 "1000ms ahead"; signing with the measured offset works', async () => {
    await start();
    fake.faults.setClockSkew(-2000);
    const ws = await connect();
    expect(await ws.signed('userDataStream.subscribe.signature', KEY, sign)).toMatchObject({
      id: 1,
      status: 400,
      error: { code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." },
    });
    const { serverTime } = (await ws.request('time')).result as { serverTime: number };
    const offset = serverTime - Date.now();
    expect(offset).toBeLessThan(-1900);
    expect(
      await ws.signed('userDataStream.subscribe.signature', KEY, sign, { timestamp: Date.now() + offset }),
    ).toMatchObject({ status: 200, result: { subscriptionId: 0 } });
  });
});

describe('request weight per IP, REST and WebSocket API together', () => {
  it('connecting costs 2, each request its weight; one count for both, in rateLimits and X-MBX-USED-WEIGHT-1M', async () => {
    await start({ time: T0, weightLimitPerMinute: 1200 });
    const info = await get('/api/v3/exchangeInfo');
    expect(info.body.rateLimits).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ]);
    expect(info.headers.get('x-mbx-used-weight-1m')).toBe('20');
    const ws = await connect();
    expect((await ws.request('ping')).rateLimits).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 1200, count: 23 },
    ]);
    const other = await connect(); // every connection from the address shares the count
    expect((await other.request('session.status')).rateLimits?.[0]?.count).toBe(27);
    expect((await get('/api/v3/time')).headers.get('x-mbx-used-weight-1m')).toBe('28');
    expect((await ws.request('time', { returnRateLimits: false })).rateLimits).toBeUndefined();
    const quiet = await RawWsApi.connect(`${fake.wsApiUrl}?returnRateLimits=false`);
    sockets.push(quiet);
    const status = await quiet.request('session.status');
    expect(status.rateLimits).toBeUndefined();
    expect(status.result).toMatchObject({ returnRateLimits: false });
    expect((await quiet.request('ping', { returnRateLimits: true })).rateLimits?.[0]?.count).toBe(34);
    expect(fake.usedWeight()).toBe(34);
    // A new minute starts a new count.
    fake.setTime(T0 + 30_000);
    expect((await ws.request('ping')).rateLimits?.[0]?.count).toBe(1);
  });

  it('over the limit: 429 on REST and WS API; more requests while limited ban the IP (418), disconnect and refuse upgrades', async () => {
    await start({ time: T0, weightLimitPerMinute: 30, banMs: 60_000 });
    const ws = await connect(); // 2
    await get('/api/v3/exchangeInfo'); // 22
    for (let i = 0; i < 8; i++) expect((await get('/api/v3/time')).status).toBe(200); // 30
    const limited = await get('/api/v3/time');
    expect([limited.status, limited.body, limited.headers.get('retry-after')]).toEqual([
      429,
      {
        code: -1003,
        msg: 'Too much request weight used; current limit is 30 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
      },
      '30',
    ]);
    const wsLimited = await ws.request('ping');
    expect(wsLimited).toEqual({
      id: 1,
      status: 429,
      error: {
        code: -1003,
        msg: 'Too much request weight used; current limit is 30 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
        data: { serverTime: T0, retryAfter: T0 + 30_000 },
      },
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 30, count: 30 }],
    });
    // Not backing off: 5 refusals in the minute are tolerated (requestsBeforeBan), the 6th gets the ban.
    for (let i = 0; i < 3; i++) expect((await get('/api/v3/time')).status).toBe(429);
    const banMsg = `Way too much request weight used; IP banned until ${T0 + 60_000}. Please use WebSocket Streams for live updates to avoid bans.`;
    const ban = await ws.request('time');
    expect(ban).toMatchObject({
      status: 418,
      error: { code: -1003, msg: banMsg, data: { serverTime: T0, retryAfter: T0 + 60_000 } },
    });
    expect(await ws.closed()).toBe(1008);
    const rest = await get('/api/v3/ping');
    expect([rest.status, rest.body, rest.headers.get('retry-after')]).toEqual([
      418,
      { code: -1003, msg: banMsg },
      '60',
    ]);
    const refused = await RawWsApi.connect(fake.wsApiUrl).catch(
      (e: { status: number; headers: Record<string, string> }) => e,
    );
    expect(refused).toMatchObject({ status: 418, headers: { 'retry-after': '60' } });
    expect(fake.wsApi.upgradeAttempts().map((a) => a.status)).toEqual([101, 418]);

    fake.setTime(T0 + 60_000); // the ban is over, and it is a new minute
    expect((await get('/api/v3/ping')).status).toBe(200);
    const again = await connect();
    expect((await again.request('ping')).status).toBe(200);
  });

  it('an upgrade over the limit (not banned): HTTP 429 with Retry-After by default, or accepted when configured', async () => {
    await start({ time: T0, weightLimitPerMinute: 20 });
    await get('/api/v3/exchangeInfo'); // 20: a connection (2) would go over
    const refused = await RawWsApi.connect(fake.wsApiUrl).catch(
      (e: { status: number; headers: Record<string, string> }) => e,
    );
    expect(refused).toMatchObject({ status: 429, headers: { 'retry-after': '30' } });
    await fake.close();
    await start({ time: T0, weightLimitPerMinute: 20, wsUpgradeWhenLimited: 'accept' });
    await get('/api/v3/exchangeInfo');
    const ws = await connect();
    expect((await ws.request('ping')).status).toBe(429);
  });
});

describe('scripted WS API faults and counters', () => {
  it('rateLimitWsApiNext: 429 with data.retryAfter, then normal; 418 closes the connection', async () => {
    await start();
    const ws = await connect();
    fake.faults.rateLimitWsApiNext(1, { status: 429, retryAfterMs: 5000 });
    const r = await ws.request('ping');
    expect(r).toMatchObject({ status: 429, error: { code: -1003 } });
    expect(r.error!.data!.retryAfter - r.error!.data!.serverTime).toBe(5000);
    expect((await ws.request('ping')).status).toBe(200);
    fake.faults.rateLimitWsApiNext(1, { status: 418 });
    expect(await ws.request('ping')).toMatchObject({ status: 418, error: { code: -1003 } });
    expect(await ws.closed()).toBe(1008);
  });

  it('refuseWsUpgradeNext: the next upgrades answered with that HTTP status; every attempt is counted', async () => {
    await start();
    fake.faults.refuseWsUpgradeNext(2, 429);
    fake.faults.refuseWsUpgradeNext(1, 404);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        await RawWsApi.connect(fake.wsApiUrl).then(
          () => 101,
          (e: { status: number }) => e.status,
        ),
      );
    expect(statuses).toEqual([429, 429, 404]);
    await connect();
    expect(fake.wsApi.upgradeAttempts()).toEqual([
      { time: expect.any(Number), address: '127.0.0.1', status: 429 },
      { time: expect.any(Number), address: '127.0.0.1', status: 429 },
      { time: expect.any(Number), address: '127.0.0.1', status: 404 },
      { time: expect.any(Number), address: '127.0.0.1', status: 101 },
    ]);
    expect(fake.wsApi.acceptedCount()).toBe(1);
  });

  it('requestCount and requestLog: what arrived, of which method, when', async () => {
    await start();
    const ws = await connect();
    const before = Date.now();
    await ws.signed('userDataStream.subscribe.signature', KEY, sign, { timestamp: 1 }); // refused, still counted
    await ws.signed('userDataStream.subscribe.signature', KEY, sign);
    await ws.request('v3/ping');
    expect(fake.wsApi.requestCount('userDataStream.subscribe.signature')).toBe(2);
    expect(fake.wsApi.requestCount()).toBe(3);
    const log = fake.wsApi.requestLog();
    expect(log.map((r) => [r.method, r.id, r.connection])).toEqual([
      ['userDataStream.subscribe.signature', 1, 1],
      ['userDataStream.subscribe.signature', 2, 1],
      ['ping', 3, 1],
    ]);
    expect(log[0]!.time).toBeGreaterThanOrEqual(before);
  });
});
