import { parseArgs } from 'node:util';
import { KLINE_INTERVALS, intervalMs, type KlineInterval } from '../../shared/market/intervals';
import type { Candle } from '../../electron/core/ports/market-feed';
import {
  alignToInterval,
  generateCandles,
  hashString,
  nextOpenTime,
  RandomWalk,
  typicalPrice,
} from '../candles/synthetic';
import { startFakeBinance } from './server';

/**
 * npm run fake-binance -- [--port 9443] [--symbols BTCUSDT,ETHUSDT] [--interval 1m] [--days 2] [--seed 1] [--tick-ms 1000]
 *
 * Serves a seeded synthetic market in real time: history up to now for REST warm-up, then a
 * trade every tick and a kline update with it, closing each candle when its time is up.
 */

const USAGE = `Usage: npm run fake-binance -- [options]
  --port N            port on 127.0.0.1 (default 0: the OS picks one)
  --symbols A,B       symbols to serve (default BTCUSDT,ETHUSDT)
  --interval 1m       kline interval streamed live (default 1m)
  --days 2            days of history before now (default 2)
  --seed 1            random seed (default 1)
  --tick-ms 1000      time between trades (default 1000)
  --volatility 0.001  per-candle volatility (default 0.001)`;

interface LiveSymbol {
  symbol: string;
  walk: RandomWalk;
  candle: Candle;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
      interval: { type: 'string', default: '1m' },
      days: { type: 'string', default: '2' },
      seed: { type: 'string', default: '1' },
      'tick-ms': { type: 'string', default: '1000' },
      volatility: { type: 'string', default: '0.001' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const interval = values.interval as KlineInterval;
  if (!(interval in KLINE_INTERVALS)) throw new Error(`unknown interval "${values.interval}"`);
  const symbols = values.symbols
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const port = Number(values.port);
  const days = Number(values.days);
  const seed = Math.trunc(Number(values.seed));
  const tickMs = Math.max(10, Number(values['tick-ms']));
  const volatility = Number(values.volatility);
  if (![port, days, seed, tickMs, volatility].every(Number.isFinite))
    throw new Error('numeric options must be numbers');

  const referencePrices = Object.fromEntries(symbols.map((s) => [s, typicalPrice(s)]));
  const fake = await startFakeBinance({ symbols, referencePrices, port });

  const now = Date.now();
  const currentOpen = alignToInterval(now, interval);
  const historyStart = alignToInterval(now - days * 86_400_000, interval);
  const count = Math.max(0, Math.round((currentOpen - historyStart) / intervalMs(interval)));
  const live: LiveSymbol[] = symbols.map((symbol) => {
    const history = generateCandles({
      symbol,
      interval,
      startTime: historyStart,
      count,
      seed,
      startPrice: typicalPrice(symbol),
      volatility,
    });
    fake.addHistory(symbol, interval, history);
    const lastClose = history[history.length - 1]?.close ?? typicalPrice(symbol);
    // Per-trade steps scaled so that a candle's worth of trades has the per-candle volatility.
    const walk = new RandomWalk({
      seed: (seed ^ hashString(`${symbol}-live`)) >>> 0,
      startPrice: lastClose,
      volatility: volatility * Math.sqrt(tickMs / intervalMs(interval)),
      jumpProbability: 0,
    });
    return { symbol, walk, candle: openCandle(symbol, interval, currentOpen, lastClose) };
  });

  const timer = setInterval(() => {
    const t = Date.now();
    for (const s of live) {
      if (t > s.candle.closeTime) {
        fake.pushCandle(s.symbol, interval, s.candle, { closed: true });
        s.candle = openCandle(s.symbol, interval, alignToInterval(t, interval), s.candle.close);
      }
      const price = s.walk.step();
      const qty = Number(((50 + 950 * s.walk.rand()) / price).toPrecision(4));
      const c = s.candle;
      c.close = price;
      c.high = Math.max(c.high, price);
      c.low = Math.min(c.low, price);
      c.volume += qty;
      fake.pushTrade(s.symbol, price, { qty, time: t, buyerIsMaker: s.walk.rand() < 0.5 });
      fake.pushCandle(s.symbol, interval, { ...c }, { closed: false });
    }
  }, tickMs);

  console.log(
    `fake-binance serving ${symbols.join(', ')} (${interval}, seed ${seed}, ${count} candles of history each)`,
  );
  console.log(
    `  REST     ${fake.restUrl}   (e.g. ${fake.restUrl}/api/v3/klines?symbol=${symbols[0]}&interval=${interval}&limit=5)`,
  );
  console.log(
    `  streams  ${fake.wsUrl}/stream?streams=${symbols.map((s) => `${s.toLowerCase()}@kline_${interval}`).join('/')}`,
  );
  console.log('Press Ctrl+C to stop.');

  const stop = (): void => {
    clearInterval(timer);
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function openCandle(symbol: string, interval: KlineInterval, openTime: number, price: number): Candle {
  const closeTime = nextOpenTime(openTime, interval) - 1;
  return { symbol, interval, openTime, closeTime, open: price, high: price, low: price, close: price, volume: 0 };
}

main().catch((err: unknown) => {
  console.error(`fake-binance: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exitCode = 1;
});
