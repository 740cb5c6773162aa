import { MainClient, getOrderIdPrefix } from 'binance';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../electron/core/money/decimal';
import { Checker, type CheckInput } from '../../tools/chaos/checks';
import type { LedgerView } from '../../tools/chaos/ledger-view';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';

/**
 * The chaos run's "no sale refused for balance" check, on the local exchange driven by the real
 * `binance` client: a sale the exchange runs late (after answering -1007), refused because the
 * trader had meanwhile placed another on the coins, is not a violation (chaos seed 1, step 1235:
 * an OCO executed late after its replacement rested); a sale refused for balance otherwise is.
 */
const KEY = 'chaos-check-key-0001';
const SECRET = 'chaos-check-secret-0001';
const PREFIX = `x-${getOrderIdPrefix('spot', 'v1')}`;
const BTC = 'BTCUSDT';
const n = (s: string): number => s as unknown as number;
const ORDER = { method: 'POST', path: '/api/v3/order' } as const;

let fake: FakeBinance;
let client: MainClient;

beforeEach(async () => {
  fake = await startFakeBinance({
    symbols: [BTC],
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '0', BTC: '0.01' } }],
  });
  fake.setPrice(BTC, 40_000);
  client = new MainClient({ api_key: KEY, api_secret: SECRET, baseUrl: fake.restUrl });
});

afterEach(async () => {
  await fake.close();
});

const emptyLedger: LedgerView = {
  quoteBalance: new Decimal(0),
  live: [],
  reservations: [],
  orders: new Map(),
  trades: 0,
  positions: 0,
};

function input(): CheckInput {
  return {
    fake,
    apiKey: KEY,
    quoteAsset: 'USDT',
    symbols: [BTC],
    baseOf: () => 'BTC',
    dustBelow: () => 5,
    ledger: emptyLedger,
    now: Date.now(),
    traderReady: false,
    readyAt: 0,
    blockedUntil: 0,
    symbolBlockedUntil: () => 0,
    unsettledUntil: Number.POSITIVE_INFINITY,
  };
}

const sellAll = (id: string) =>
  client.submitNewOrder({
    symbol: BTC,
    side: 'SELL',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: n('0.01'),
    price: n('41000'),
    newClientOrderId: `${PREFIX}${id}`,
  });

const refusals = (c: Checker) => c.run(input()).filter((f) => f.check === 'no-sale-refused-for-balance');

describe('chaos check: no sale refused for balance', () => {
  // Client ids as the engine makes them: <prefix><ledger>-<position><kind><attempt>.
  it('a late-run sale refused because its replacement already holds the coins is not a violation', async () => {
    const checker = new Checker();
    fake.faults.failNext(ORDER, 1, { executeAfterMs: 300 });
    await expect(sellAll('L1-7t1')).rejects.toMatchObject({ code: -1007 });
    // The trader took the first as unknown, found nothing, and placed the next attempt at once.
    await sellAll('L1-7t2');
    await new Promise((r) => setTimeout(r, 500));
    const late = fake.orderRequests().find((r) => r.clientOrderIds[0] === `${PREFIX}L1-7t1`)!;
    expect(late).toMatchObject({ executedLate: true, accepted: false, error: { code: -2010 } });
    expect(refusals(checker)).toEqual([]);
    expect(checker.lateSalesRefused).toBe(1);
  });

  it('a sale refused for balance when nothing of ours took the coins is one', async () => {
    const checker = new Checker();
    await sellAll('L1-7t1');
    // Refused at once, answered to the trader: it sold what it did not hold.
    await expect(sellAll('L1-7x')).rejects.toMatchObject({ code: -2010 });
    expect(refusals(checker)).toEqual([
      expect.objectContaining({ detail: expect.stringContaining(`${PREFIX}L1-7x refused`) }),
    ]);
  });

  it('a late-run sale refused with no replacement placed meanwhile is one', async () => {
    const checker = new Checker();
    await sellAll('L1-7t1');
    fake.faults.failNext(ORDER, 1, { executeAfterMs: 300 });
    await expect(sellAll('L1-7t2')).rejects.toMatchObject({ code: -1007 });
    await new Promise((r) => setTimeout(r, 500));
    expect(refusals(checker)).toHaveLength(1);
    expect(checker.lateSalesRefused).toBe(0);
  });

  it("another position's sale in between is no excuse", async () => {
    const checker = new Checker();
    fake.faults.failNext(ORDER, 1, { executeAfterMs: 300 });
    await expect(sellAll('L1-7t1')).rejects.toMatchObject({ code: -1007 });
    await sellAll('L1-8t1');
    await new Promise((r) => setTimeout(r, 500));
    expect(refusals(checker)).toHaveLength(1);
  });

  it('a sale sent while the late one was still unanswered (held) is no excuse: that is a double sale', async () => {
    const checker = new Checker();
    // The answer held for 2 s, the order run after 300 ms: the trader still waits when it sells again.
    fake.faults.timeoutNext(ORDER, 1, { executeAfterMs: 300, holdMs: 2000 });
    const first = sellAll('L1-7t1').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await sellAll('L1-7x');
    await new Promise((r) => setTimeout(r, 500));
    expect(refusals(checker)).toHaveLength(1);
    expect(checker.lateSalesRefused).toBe(0);
    await first;
  });
});
