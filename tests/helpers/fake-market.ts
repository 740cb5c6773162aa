import type { Candle } from '../../electron/core/ports/market-feed';
import type { FakeBinance } from '../../tools/fake-binance/server';

const FIVE_MIN = 300_000;

/**
 * A local exchange's 5-minute market for the seed's symbols: 30 quiet closed candles per symbol up
 * to the current window (the signals' warm-up), and `jump`, a closed candle in the current window
 * whose close moves by a fraction (the trade first, so market orders fill there).
 */
export class FakeMarket5m {
  readonly boundary = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN;
  readonly prices: Record<string, number>;

  constructor(
    private readonly fake: FakeBinance,
    start: Record<string, number>,
  ) {
    this.prices = { ...start };
    for (const symbol of Object.keys(start)) {
      const history: Candle[] = [];
      let p = start[symbol]!;
      for (let i = 30; i >= 1; i--) {
        const close = +(p * (1 + Math.sin(i * 1.7 + symbol.length) * 0.0008)).toFixed(2);
        const openTime = this.boundary - i * FIVE_MIN;
        history.push({
          symbol,
          interval: '5m',
          openTime,
          closeTime: openTime + FIVE_MIN - 1,
          open: p,
          high: Math.max(p, close),
          low: Math.min(p, close),
          close,
          volume: 1,
        });
        p = close;
      }
      this.prices[symbol] = p;
      fake.addHistory(symbol, '5m', history);
      fake.setPrice(symbol, p);
    }
  }

  /**
   * `ahead` windows later than the one forming now (0): a second signal of a symbol in one test
   * needs a candle of its own (the same open time again would rightly be ignored as a repeat).
   */
  jump(symbol: string, move: number, ahead = 0): void {
    // The window forming now: once a window has closed, its candle is history (a new session warms
    // up from it), and the same open time again would rightly be ignored as a repeat.
    this.push(symbol, move, Math.floor(Date.now() / FIVE_MIN) + ahead);
  }

  /**
   * A jump in a window of its own: at least two windows ahead and after every earlier one of the
   * symbol. No later session's warm-up (closed candles only) holds it, and no session takes it for
   * a repeat, however a run of tests falls against the 5-minute boundaries. (A CI run failed when a
   * boundary fell between two tests: the first test's 2% candles were then closed history in the
   * second's warm-up, and its 3% move scored z = 6.40, below BNBUSDT's threshold of 7.)
   */
  jumpAhead(symbol: string, move: number): void {
    const window = Math.max(Math.floor(Date.now() / FIVE_MIN) + 2, (this.lastWindow.get(symbol) ?? 0) + 1);
    this.push(symbol, move, window);
  }

  private readonly lastWindow = new Map<string, number>();

  private push(symbol: string, move: number, window: number): void {
    this.lastWindow.set(symbol, Math.max(window, this.lastWindow.get(symbol) ?? 0));
    const openTime = window * FIVE_MIN;
    const from = this.fake.market.lastPrice(symbol) ?? this.prices[symbol]!;
    const close = +(from * (1 + move)).toFixed(2);
    this.fake.pushTrade(symbol, close);
    this.fake.pushCandle(symbol, '5m', {
      symbol,
      interval: '5m',
      openTime,
      closeTime: openTime + FIVE_MIN - 1,
      open: from,
      high: close,
      low: from,
      close,
      volume: 1,
    });
    this.prices[symbol] = close;
  }
}
