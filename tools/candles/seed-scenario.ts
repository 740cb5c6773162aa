import type { Candle } from '../../electron/core/ports/market-feed';
import { ZScoreSignal } from '../../electron/core/signal/zscore-signal';
import { intervalMs } from '../../shared/market/intervals';
import { mulberry32, normalSource, roundPrice } from './synthetic';

/**
 * The seed guide's story as 5-minute Binance candles for BTCUSDT, ETHUSDT and BNBUSDT, for the
 * parameter sets of config/live-params.json (thresholds 5, 6 and 7; lookback 20):
 *
 *   #30  BTC  +2% candle  -> buy BTC            (T+0 of "all three signals trigger")
 *   #31  ETH  +2%         -> buy ETH            (T+1)
 *   #32  BNB  +2%         -> buy BNB            (T+2: all three active, $1 left)
 *   #54  ETH  +2%         -> "Already have position in ETHUSDT, skipping buy signal"
 *   #60  ETH  wick to -12% -> stop-loss (-6%) fills at its limit
 *   #76  ETH  +2%         -> "Failed to reserve funds for ETHUSDT: Insufficient funds" (BTC and BNB
 *                            still hold $666 of a balance the loss brought below $1000)
 *   #80  BTC  wick to +17% -> take-profit (+15%)
 *   #100 ETH  +2%         -> buy ETH again, 33.3% of the balance the profit raised
 *   #104 BNB  -8% candle  -> z-score reversal: OCO cancelled, sold at market
 *
 * Between events, prices take quiet random steps (0.08% per candle, seeded), far from any
 * threshold; `expectedSignals` proves with the real signal code that only these candles signal.
 */
export const SEED_SCENARIO_START = Date.parse('2024-01-15T00:00:00Z');
export const SEED_SCENARIO_CANDLES = 110;

type Event = { ret?: number; highMul?: number; lowMul?: number };

const EVENTS: Record<string, Record<number, Event>> = {
  BTCUSDT: { 30: { ret: 0.02 }, 80: { highMul: 1.17 } },
  ETHUSDT: {
    31: { ret: 0.02 },
    54: { ret: 0.02 },
    60: { lowMul: 0.88, highMul: 1.001 },
    76: { ret: 0.02 },
    100: { ret: 0.02 },
  },
  BNBUSDT: { 32: { ret: 0.02 }, 104: { ret: -0.08 } },
};

const START_PRICE: Record<string, number> = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };

export function seedScenarioCandles(seed = 7): Candle[] {
  const step = intervalMs('5m');
  const out: Candle[] = [];
  for (const symbol of Object.keys(EVENTS)) {
    const normal = normalSource(mulberry32(seed ^ symbol.length ^ symbol.charCodeAt(0)));
    let close = START_PRICE[symbol]!;
    for (let i = 0; i < SEED_SCENARIO_CANDLES; i++) {
      const ev = EVENTS[symbol]![i] ?? {};
      const open = close;
      close = roundPrice(open * Math.exp(ev.ret ?? normal() * 0.0008));
      const top = Math.max(open, close);
      const bottom = Math.min(open, close);
      const high = roundPrice(ev.highMul ? close * ev.highMul : top * (1 + Math.abs(normal()) * 0.0002));
      const low = roundPrice(ev.lowMul ? close * ev.lowMul : bottom * (1 - Math.abs(normal()) * 0.0002));
      const openTime = SEED_SCENARIO_START + i * step;
      out.push({
        symbol,
        interval: '5m',
        openTime,
        closeTime: openTime + step - 1,
        open,
        high,
        low,
        close,
        volume: 10 + i,
      });
    }
  }
  return out;
}

/** Every candle whose z-score crosses its set's threshold (buy) or minus it (exit), by index. */
export function expectedSignals(
  candles: readonly Candle[],
  thresholds: Record<string, number>,
): Array<{ symbol: string; index: number; z: number }> {
  const found: Array<{ symbol: string; index: number; z: number }> = [];
  for (const symbol of Object.keys(thresholds)) {
    const signal = new ZScoreSignal({ lookback: 20, movingAverages: 1 });
    candles
      .filter((c) => c.symbol === symbol)
      .forEach((c, index) => {
        const z = signal.update(c.close);
        if (Math.abs(z) >= thresholds[symbol]!) found.push({ symbol, index, z });
      });
  }
  return found.sort((a, b) => a.index - b.index);
}
