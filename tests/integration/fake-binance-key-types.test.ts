import { constants, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacSigner, RawWsApi, signedRest, until, type Signer } from '../../tools/fake-binance/raw-client';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';

/**
 * Ed25519 and RSA API keys as rest-api.md / web-socket-api.md "SIGNED request example (RSA)" and
 * "(Ed25519)" describe them: the private key signs the exact payload (RSASSA-PKCS1-v1_5 with
 * SHA-256, or Ed25519), base64, URL-encoded in a REST query string and plain in WebSocket API params;
 * session.logon for Ed25519 keys only. Keys are generated here and signatures computed here.
 */

const BTC = 'BTCUSDT';
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }).toString();
const edSigner: Signer = (payload) => cryptoSign(null, Buffer.from(payload), ed.privateKey).toString('base64');
const rsaSigner: Signer = (payload) => cryptoSign('sha256', Buffer.from(payload), rsa.privateKey).toString('base64');

const ED = 'ed25519-key-0001';
const RSA = 'rsa-key-0001';
const HMAC = 'hmac-key-0001';

let fake: FakeBinance;
let sockets: RawWsApi[] = [];

beforeEach(async () => {
  fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [
      { apiKey: ED, publicKeyPem: pem(ed.publicKey), balances: { USDT: '1000' } },
      { apiKey: RSA, publicKeyPem: pem(rsa.publicKey), balances: { USDT: '1000' } },
      { apiKey: HMAC, apiSecret: 'hmac-secret', balances: { USDT: '1000' } },
    ],
  });
  fake.setPrice(BTC, 40_000);
});
afterEach(async () => {
  for (const s of sockets) await s.close();
  sockets = [];
  await fake.close();
});

async function connect(): Promise<RawWsApi> {
  const ws = await RawWsApi.connect(fake.wsApiUrl);
  sockets.push(ws);
  return ws;
}

describe('REST with asymmetric keys', () => {
  it.each([
    ['Ed25519', ED, edSigner],
    ['RSA', RSA, rsaSigner],
  ] as const)(
    '%s: signed account read and order, base64 signature URL-encoded in the query string',
    async (_n, key, signer) => {
      const account = await signedRest(fake.restUrl, key, signer, 'GET', '/api/v3/account');
      expect(account.status).toBe(200);
      expect(account.body.balances).toEqual([{ asset: 'USDT', free: '1000.00000000', locked: '0.00000000' }]);
      const order = await signedRest(fake.restUrl, key, signer, 'POST', '/api/v3/order', {
        symbol: BTC,
        side: 'BUY',
        type: 'MARKET',
        quoteOrderQty: '100',
      });
      expect(order.body).toMatchObject({ status: 'FILLED', executedQty: '0.00250000' });
    },
  );

  it('refuses a signature of another payload, a case-changed one, RSA-PSS instead of PKCS#1 v1.5, and a hex HMAC', async () => {
    const query = `timestamp=${Date.now()}`;
    const call = async (key: string, signature: string) => {
      const res = await fetch(`${fake.restUrl}/api/v3/account?${query}&signature=${encodeURIComponent(signature)}`, {
        headers: { 'X-MBX-APIKEY': key },
      });
      return [res.status, await res.json()];
    };
    const bad = [400, { code: -1022, msg: 'Signature for this request is not valid.' }];
    expect(await call(ED, edSigner(`${query}&x=1`))).toEqual(bad);
    const good = edSigner(query);
    const flipped = good.replace(/[a-z]/, (c) => c.toUpperCase());
    expect(await call(ED, flipped)).toEqual(bad); // Ed25519 signatures are case-sensitive
    expect((await call(ED, good))[0]).toBe(200);
    const pss = cryptoSign('sha256', Buffer.from(query), {
      key: rsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
    }).toString('base64');
    expect(await call(RSA, pss)).toEqual(bad);
    expect(await call(RSA, hmacSigner('anything')(query))).toEqual(bad);
    expect((await call(RSA, rsaSigner(query)))[0]).toBe(200);
  });

  it('an account takes exactly one of apiSecret and publicKeyPem, and only RSA or Ed25519 keys', async () => {
    expect([ED, RSA, HMAC].map((k) => fake.account(k).keyType)).toEqual(['ed25519', 'rsa', 'hmac']);
    expect(() => fake.addAccount({ apiKey: 'neither' })).toThrow(/either apiSecret/);
    expect(() => fake.addAccount({ apiKey: 'both', apiSecret: 's', publicKeyPem: pem(ed.publicKey) })).toThrow(
      /either apiSecret/,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => fake.addAccount({ apiKey: 'ec', publicKeyPem: pem(ec.publicKey) })).toThrow(/RSA or Ed25519/);
  });
});

describe('WebSocket API with asymmetric keys', () => {
  it('userDataStream.subscribe.signature with plain base64 signatures (Ed25519 and RSA)', async () => {
    const ws = await connect();
    expect(await ws.signed('userDataStream.subscribe.signature', ED, edSigner)).toMatchObject({
      status: 200,
      result: { subscriptionId: 0 },
    });
    expect(await ws.signed('userDataStream.subscribe.signature', RSA, rsaSigner)).toMatchObject({
      status: 200,
      result: { subscriptionId: 1 },
    });
    expect(await ws.signed('userDataStream.subscribe.signature', ED, rsaSigner)).toMatchObject({
      status: 400,
      error: { code: -1022 },
    });
    fake.placeOrderAsOtherClient(RSA, { symbol: BTC, side: 'BUY', type: 'MARKET', quoteOrderQty: '50' });
    await until('the RSA account events', () => ws.events.length === 3);
    expect(ws.events.every((e) => e.subscriptionId === 1)).toBe(true);
  });

  it('session.logon (Ed25519 only), userDataStream.subscribe on the session, session.logout ends it', async () => {
    const ws = await connect();
    expect(await ws.signed('session.logon', HMAC, hmacSigner('hmac-secret'))).toMatchObject({
      status: 400,
      error: { code: -4056, msg: 'HMAC_SHA256 API key is not supported.' },
    });
    expect(await ws.signed('session.logon', RSA, rsaSigner)).toMatchObject({ status: 400, error: { code: -4056 } });
    expect(await ws.request('userDataStream.subscribe')).toMatchObject({ status: 401, error: { code: -2015 } });
    expect(await ws.signed('session.logon', ED, rsaSigner)).toMatchObject({ status: 400, error: { code: -1022 } });

    const logon = await ws.signed('session.logon', ED, edSigner, { recvWindow: 5000 });
    expect(logon).toMatchObject({
      status: 200,
      result: {
        apiKey: ED,
        authorizedSince: expect.any(Number),
        connectedSince: expect.any(Number),
        returnRateLimits: true,
        serverTime: expect.any(Number),
        userDataStream: false,
      },
    });
    expect(await ws.request('userDataStream.subscribe')).toMatchObject({ status: 200, result: { subscriptionId: 0 } });
    expect((await ws.request('session.status')).result).toMatchObject({ apiKey: ED, userDataStream: true });
    fake.placeOrderAsOtherClient(ED, { symbol: BTC, side: 'BUY', type: 'MARKET', quoteOrderQty: '50' });
    await until('events on the session subscription', () => ws.events.length === 3);

    // A subscription by signature is not ended by session.logout; the logon one is, with eventStreamTerminated.
    expect(await ws.signed('userDataStream.subscribe.signature', RSA, rsaSigner)).toMatchObject({
      result: { subscriptionId: 1 },
    });
    const out = await ws.request('session.logout');
    expect(out).toMatchObject({ status: 200, result: { apiKey: null, authorizedSince: null, userDataStream: true } });
    await until('the termination', () => ws.events.length === 4);
    expect(ws.events[3]).toEqual({ subscriptionId: 0, event: { e: 'eventStreamTerminated', E: expect.any(Number) } });
    expect((await ws.request('session.subscriptions')).result).toEqual([{ subscriptionId: 1 }]);
  });
});
