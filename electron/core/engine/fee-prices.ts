import { ZERO, type Decimal } from '../money/decimal';
import type { Exchange } from '../ports/exchange';

/**
 * Prices of the assets commission may be paid in besides the traded pair (BNB when the account's
 * BNB discount is on), in the quote asset, so a fill's commission is valued when it is booked.
 * Kept fresh by `refresh()` (at start, at every check, and whenever a fill named an asset without a
 * recent price); a fill booked before the first price of its asset is known is valued at the last
 * price seen, or told and valued at zero.
 */
export class FeePrices {
  private readonly prices = new Map<string, Decimal>();
  private readonly wanted = new Set<string>();
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly exchange: Exchange,
    private readonly quoteAsset: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** Starts following an asset's price. */
  follow(asset: string): void {
    if (asset !== this.quoteAsset) this.wanted.add(asset);
  }

  get followed(): string[] {
    return [...this.wanted];
  }

  /** The commission's value in the quote asset, from the newest price known. */
  value = (asset: string, amount: Decimal): Decimal => {
    if (asset === this.quoteAsset) return amount;
    const price = this.prices.get(asset);
    if (!this.wanted.has(asset)) {
      this.follow(asset);
      void this.refresh();
    }
    if (price === undefined) {
      this.warn(
        `a commission of ${amount.toFixed()} ${asset} could not be valued yet (no ${asset}${this.quoteAsset} price): counted as 0 in this trade's PnL`,
      );
      return ZERO;
    }
    return amount.mul(price);
  };

  /** Reads the followed assets' prices from the exchange. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      for (const asset of this.wanted) {
        try {
          this.prices.set(asset, await this.exchange.getLastPrice(`${asset}${this.quoteAsset}`));
        } catch {
          // keep the last one; the next refresh tries again
        }
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}
