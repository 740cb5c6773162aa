import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KlineInterval } from '../../shared/market/intervals';
import type { Candle } from '../../electron/core/ports/market-feed';
import { DEFAULT_SYMBOL_INFOS, fallbackSymbolInfo } from '../../electron/adapters/paper/default-rules';
import type { RawSymbolInfo } from '../../electron/adapters/binance/symbol-rules-from-exchange-info';
import { FakeMarket, type FakeTrade } from './market';
import { addMarketRoutes } from './rest-market';
import { Router } from './router';
import { StreamHub } from './streams';
import { klineEvent, klineStreamName, tradeEvent, tradeStreamName } from './wire';

/**
 * A local Binance-compatible server for tests and offline runs: REST on http://127.0.0.1:<port>
 * and market streams on ws://127.0.0.1:<port>/stream, one port for both (as a client given one
 * base address expects). It starts with market data only; orders, signatures and the user data
 * stream will be added as further route and hub modules beside these.
 */

export interface FakeBinanceOptions {
  /** Symbols to list; default: every built-in pair. Unknown ones get rules derived from referencePrices. */
  symbols?: readonly string[];
  /** exchangeInfo entries to serve instead of the built-in ones (for odd filters in tests). */
  symbolInfos?: readonly RawSymbolInfo[];
  /** Price used to derive rules for symbols without built-in ones (default 100). */
  referencePrices?: Readonly<Record<string, number>>;
  /** Port to listen on; 0 (the default) lets the OS choose. */
  port?: number;
  /** Exchange time in ms; when set, the clock stands still except where pushed candles move it. */
  time?: number;
  /** Interval between server pings on stream connections (Binance: 20 s); 0 = none (default). */
  pingIntervalMs?: number;
}

export interface PushCandleOptions {
  /** Whether the candle is final (k.x); a closed candle joins the REST history. Default true. */
  closed?: boolean;
}

export interface PushTradeOptions {
  qty?: number;
  time?: number;
  buyerIsMaker?: boolean;
}

export interface FakeBinance {
  /** REST base, e.g. http://127.0.0.1:40123 (MainClient baseUrl). */
  restUrl: string;
  /** Stream base, e.g. ws://127.0.0.1:40123 (WebsocketClient wsUrl; clients append /stream). */
  wsUrl: string;
  port: number;
  market: FakeMarket;
  streams: StreamHub;
  /** Updates the market and sends a kline frame to subscribers. */
  pushCandle(symbol: string, interval: KlineInterval, candle: Candle, options?: PushCandleOptions): void;
  /** Records a trade and sends a trade frame to subscribers. */
  pushTrade(symbol: string, price: number, options?: PushTradeOptions): FakeTrade;
  /** Adds closed candles to the REST history without sending frames (what a client missed). */
  addHistory(symbol: string, interval: KlineInterval, candles: readonly Candle[]): void;
  setTime(ms: number | undefined): void;
  /** Resolves once a client subscribed to the stream (e.g. "btcusdt@kline_1m"). */
  waitForSubscriber(stream: string, timeoutMs?: number): Promise<void>;
  /** Cuts every stream connection abruptly, as a network failure would. */
  dropAllSockets(): void;
  /** While false, new stream connections are refused with HTTP 503. */
  setStreamsAccepting(accepting: boolean): void;
  close(): Promise<void>;
}

export async function startFakeBinance(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  const market = new FakeMarket(symbolInfos(options), options.time);
  const router = new Router();
  addMarketRoutes(router, market);
  const streams = new StreamHub({ pingIntervalMs: options.pingIntervalMs });

  const server: Server = createServer((req, res) => {
    void router.handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    market,
    streams,
    pushCandle(symbol, interval, candle, { closed: isClosed = true } = {}) {
      market.updateCandle(symbol, interval, candle, isClosed);
      const ids = market.reserveTradeIds(isClosed ? Math.max(1, Math.round(candle.volume)) : 0);
      streams.publish(klineStreamName(symbol, interval), klineEvent(candle, isClosed, market.now(), ids));
    },
    pushTrade(symbol, price, { qty = 0.01, time, buyerIsMaker = false } = {}) {
      const trade = market.recordTrade(symbol, price, qty, time ?? market.now(), buyerIsMaker);
      streams.publish(tradeStreamName(symbol), tradeEvent(trade, market.now()));
      return trade;
    },
    addHistory: (symbol, interval, candles) => market.addHistory(symbol, interval, candles),
    setTime: (ms) => market.setTime(ms),
    waitForSubscriber: (stream, timeoutMs) => streams.waitForSubscriber(stream, timeoutMs),
    dropAllSockets: () => streams.dropAll(),
    setStreamsAccepting: (accepting) => streams.setAccepting(accepting),
    close() {
      closed ??= (async () => {
        await streams.close();
        // Keep-alive REST connections would hold close() open until they time out.
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}

function symbolInfos(options: FakeBinanceOptions): RawSymbolInfo[] {
  if (options.symbolInfos) return [...options.symbolInfos];
  if (!options.symbols) return [...DEFAULT_SYMBOL_INFOS];
  const known = new Map(DEFAULT_SYMBOL_INFOS.map((s) => [s.symbol, s]));
  return options.symbols.map(
    (symbol) => known.get(symbol) ?? fallbackSymbolInfo(symbol, options.referencePrices?.[symbol] ?? 100),
  );
}
