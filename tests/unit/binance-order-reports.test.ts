import { describe, expect, it } from 'vitest';
import {
  fillsFromTrades,
  ocoReportOf,
  orderReportFromExecution,
  orderReportOf,
} from '../../electron/adapters/binance/order-reports';
import { Decimal } from '../../electron/core/money/decimal';
import { ExchangeError } from '../../electron/core/ports/exchange';

/**
 * Reading Binance's order JSON (order-reports.ts): a new order's FULL response, a cancel's order
 * reports, an order list, myTrades and the user data stream's executionReport, with the field names
 * and string decimals of binance-spot-api-docs (rest-api.md, user-data-stream.md).
 */
const d = (v: string) => new Decimal(v);

describe('orderReportOf', () => {
  it('a FULL response: decimals exact, fills with their trade ids, no list', () => {
    const r = orderReportOf({
      symbol: 'BTCUSDT',
      orderId: 28,
      orderListId: -1,
      clientOrderId: 'tr-abc-1b',
      transactTime: 1507725176595,
      price: '0.00000000',
      origQty: '0.00832000',
      executedQty: '0.00832000',
      cummulativeQuoteQty: '332.80000000',
      status: 'FILLED',
      type: 'MARKET',
      side: 'BUY',
      fills: [
        { price: '40000.00000000', qty: '0.00500000', commission: '0.00000500', commissionAsset: 'BTC', tradeId: 56 },
        { price: '40000.00000000', qty: '0.00332000', commission: '0.00000332', commissionAsset: 'BTC', tradeId: 57 },
      ],
    });
    expect(r).toEqual({
      symbol: 'BTCUSDT',
      clientOrderId: 'tr-abc-1b',
      orderId: '28',
      side: 'BUY',
      type: 'MARKET',
      status: 'FILLED',
      origQty: d('0.00832'),
      executedQty: d('0.00832'),
      cumQuote: d('332.8'),
      fills: [
        { price: d('40000'), qty: d('0.005'), commission: d('0.000005'), commissionAsset: 'BTC', tradeId: '56' },
        { price: d('40000'), qty: d('0.00332'), commission: d('0.00000332'), commissionAsset: 'BTC', tradeId: '57' },
      ],
      time: 1507725176595,
    });
  });

  it("a cancel's order report: the order's own client id (origClientOrderId), its list, prices and expiry reason", () => {
    const r = orderReportOf({
      symbol: 'BTCUSDT',
      origClientOrderId: 'tr-abc-1s1',
      orderId: 30,
      orderListId: 5,
      clientOrderId: 'cancel-request-id',
      listClientOrderId: 'tr-abc-1o1',
      price: '39160.80000000',
      stopPrice: '39200.00000000',
      origQty: '0.00831000',
      executedQty: '0.00000000',
      cummulativeQuoteQty: '0.00000000',
      status: 'CANCELED',
      type: 'STOP_LOSS_LIMIT',
      side: 'SELL',
      expiryReason: 'EXCHANGE_CANCELED',
      updateTime: 1700000000000,
    });
    expect(r).toMatchObject({
      clientOrderId: 'tr-abc-1s1',
      listClientOrderId: 'tr-abc-1o1',
      price: d('39160.8'),
      stopPrice: d('39200'),
      expiryReason: 'EXCHANGE_CANCELED',
      time: 1700000000000,
      fills: [],
    });
    // Zero prices (a market order's "0.00000000") are no price.
    const m = orderReportOf({ price: '0.00000000', stopPrice: '0', status: 'NEW', time: 5 });
    expect(m).not.toHaveProperty('price');
    expect(m).not.toHaveProperty('stopPrice');
    expect(m).not.toHaveProperty('expiryReason');
    expect(m.time).toBe(5);
    expect(m.executedQty.toFixed()).toBe('0');
  });

  it('the list id given wins; fills given (from myTrades) replace the response', () => {
    const fills = fillsFromTrades([{ id: 99, price: '1.5', qty: '2', commission: '0.003', commissionAsset: 'USDT' }]);
    expect(fills).toEqual([
      { price: d('1.5'), qty: d('2'), commission: d('0.003'), commissionAsset: 'USDT', tradeId: '99' },
    ]);
    const r = orderReportOf(
      { orderListId: 3, listClientOrderId: 'from-json', fills: [{ tradeId: 1 }] },
      fills,
      'given',
    );
    expect(r.listClientOrderId).toBe('given');
    expect(r.fills).toBe(fills);
    expect(fillsFromTrades(undefined)).toEqual([]);
  });
});

describe('ocoReportOf', () => {
  const leg = (type: string, id: string) =>
    orderReportOf({ symbol: 'BTCUSDT', clientOrderId: id, type, status: 'NEW' });

  it('the take-profit is the LIMIT_MAKER, the stop the STOP_LOSS(_LIMIT); the list id on both; its status', () => {
    const r = ocoReportOf(
      { symbol: 'BTCUSDT', orderListId: 5, listClientOrderId: 'L1', listOrderStatus: 'EXECUTING' },
      [leg('STOP_LOSS', 's'), leg('LIMIT_MAKER', 't')],
    );
    expect(r).toMatchObject({ symbol: 'BTCUSDT', listClientOrderId: 'L1', orderListId: '5', status: 'EXECUTING' });
    expect(r.takeProfit).toMatchObject({ clientOrderId: 't', listClientOrderId: 'L1' });
    expect(r.stopLoss).toMatchObject({ clientOrderId: 's', listClientOrderId: 'L1' });
    for (const [raw, status] of [
      ['ALL_DONE', 'ALL_DONE'],
      ['REJECT', 'REJECT'],
      ['EXEC_STARTED', 'EXECUTING'],
      [undefined, 'EXECUTING'],
    ] as const)
      expect(ocoReportOf({ listOrderStatus: raw }, [leg('LIMIT_MAKER', 't'), leg('STOP_LOSS_LIMIT', 's')]).status).toBe(
        status,
      );
    expect(ocoReportOf({}, [leg('LIMIT_MAKER', 't'), leg('STOP_LOSS_LIMIT', 's')]).symbol).toBe('BTCUSDT');
  });

  it('a list without both legs is an outcome we cannot read: unknown, so it is looked up', () => {
    expect(() => ocoReportOf({ listClientOrderId: 'L1' }, [leg('LIMIT_MAKER', 't')])).toThrow(
      new ExchangeError('unknown-outcome', 'order list L1 does not have a LIMIT_MAKER and a stop leg (LIMIT_MAKER)'),
    );
    expect(() => ocoReportOf({ listClientOrderId: 'L2' }, [])).toThrow(/\(no legs\)$/);
  });
});

describe('orderReportFromExecution', () => {
  const base = {
    e: 'executionReport',
    E: 1499405658658,
    s: 'ETHBTC',
    c: 'tr-abc-1t1',
    S: 'SELL',
    o: 'LIMIT_MAKER',
    q: '1.00000000',
    p: '0.10264410',
    P: '0.00000000',
    C: '',
    x: 'TRADE',
    X: 'PARTIALLY_FILLED',
    i: 4293153,
    l: '0.40000000',
    z: '0.40000000',
    L: '0.10264410',
    n: '0.00004106',
    N: 'BTC',
    T: 1499405658657,
    t: 107,
    Z: '0.04105764',
    eR: 'NONE',
  };

  it('a TRADE: the report (cumulative figures) and the trade itself', () => {
    const { report, trade, expiryReason } = orderReportFromExecution(base);
    expect(report).toEqual({
      symbol: 'ETHBTC',
      clientOrderId: 'tr-abc-1t1',
      orderId: '4293153',
      side: 'SELL',
      type: 'LIMIT_MAKER',
      status: 'PARTIALLY_FILLED',
      origQty: d('1'),
      executedQty: d('0.4'),
      cumQuote: d('0.04105764'),
      price: d('0.1026441'),
      fills: [],
      time: 1499405658657,
    });
    expect(trade).toEqual({
      price: d('0.1026441'),
      qty: d('0.4'),
      commission: d('0.00004106'),
      commissionAsset: 'BTC',
      tradeId: '107',
    });
    expect(expiryReason).toBe('NONE');
  });

  it("a cancel: the order's original client id (C); an expiry carries its reason; no trade", () => {
    const cancel = orderReportFromExecution({
      ...base,
      x: 'CANCELED',
      X: 'CANCELED',
      c: 'cancel-req',
      C: 'tr-abc-1t1',
    });
    expect(cancel.report.clientOrderId).toBe('tr-abc-1t1');
    expect(cancel.trade).toBeUndefined();
    const expired = orderReportFromExecution({ ...base, x: 'EXPIRED', X: 'EXPIRED', eR: 'OCO_TRIGGER', C: 'other' });
    expect(expired.report.clientOrderId).toBe('tr-abc-1t1');
    expect(expired.report.expiryReason).toBe('OCO_TRIGGER');
    const stop = orderReportFromExecution({
      ...base,
      x: 'NEW',
      X: 'NEW',
      o: 'STOP_LOSS_LIMIT',
      P: '0.1',
      T: undefined,
    });
    expect(stop.report.stopPrice).toEqual(d('0.1'));
    expect(stop.report.time).toBe(1499405658658);
  });
});
