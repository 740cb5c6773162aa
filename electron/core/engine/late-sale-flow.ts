/**
 * Sales that tell their outcome after their position closed: an exit sale whose answer was lost,
 * whose coins were gone before any look-up found it, so that the position closed as sold outside
 * Tranche (see ClosedSales in the ledger). Binance documents that such an order's "execution status
 * is unknown" (-1007) and that it may still execute; it is looked up for the unknown-outcome window
 * after the close (and at every reconciliation while it is unknown), and its own report, whenever it
 * comes, is booked into the closed trade.
 */
import type { OrderReport } from '../ports/exchange';
import { FlowPart } from './flow-state';
import { lookUpOrder } from './look-ups';

export class LateSaleFlow extends FlowPart {
  /** Client ids being looked up now (one look-up each). */
  private readonly following = new Set<string>();

  /** A report of a closed position's unsettled sale: booked into its trade. False when it is not one. */
  bookLateSale(report: OrderReport): boolean {
    const kept = this.ledger.closedSale(report.clientOrderId);
    if (!kept) return this.ledger.closedSaleSettled(report.clientOrderId); // settled already: nothing more
    const rules = this.assetsOf(kept.symbol);
    const b = this.ledger.lateSaleBooked(report, rules, this.now(), this.x.valueOther);
    if (b && b.fills > 0) {
      this.x.tell({
        type: 'warning',
        symbol: kept.symbol,
        message: `a sale of ${kept.symbol} (${kept.clientOrderId}) whose outcome was unknown executed after its position closed: ${b.qty.toFixed()} ${rules.baseAsset} sold for ${b.credited.toFixed()} ${rules.quoteAsset}, booked into its trade${b.trade ? ` (PnL now ${b.trade.pnl.toFixed()} ${rules.quoteAsset})` : ''}; the balance is read from the exchange`,
      });
      this.x.checkBalanceSoon();
    }
    return true;
  }

  /**
   * The sale's base and quote assets: from the symbol's rules, or, when they are not loaded (its
   * parameter set was removed since), from the symbol and the ledger's quote asset.
   */
  private assetsOf(symbol: string): { baseAsset: string; quoteAsset: string } {
    try {
      const r = this.x.rulesFor(symbol);
      return { baseAsset: r.baseAsset, quoteAsset: r.quoteAsset };
    } catch {
      const quoteAsset = this.ledger.quoteAsset;
      return { baseAsset: symbol.endsWith(quoteAsset) ? symbol.slice(0, -quoteAsset.length) : symbol, quoteAsset };
    }
  }

  /** Looks up every unsettled sale of a closed position that is not looked up already. */
  followClosedSales(): void {
    for (const o of this.ledger.closedSales()) {
      if (this.following.has(o.clientOrderId)) continue;
      this.following.add(o.clientOrderId);
      // Not an operation of the symbol (a new position may trade it meanwhile), and not one the
      // balance check waits for: what it finds changes the trade's record, never an order.
      void this.follow(o.symbol, o.clientOrderId)
        .catch(() => undefined)
        .finally(() => this.following.delete(o.clientOrderId));
    }
  }

  private async follow(symbol: string, clientOrderId: string): Promise<void> {
    const found = await lookUpOrder(this.s.lookups, symbol, clientOrderId, { finalOnly: true });
    if (!this.ledger.closedSale(clientOrderId)) return; // its report came meanwhile
    if (found === 'absent') {
      this.ledger.closedSaleAbsent(clientOrderId, 'not found on the exchange after its position closed', this.now());
    } else if (found) {
      this.bookLateSale(found);
    }
    // undefined (the exchange could not be asked, or the engine stops), or a report short of its
    // fills: the sale stays kept and the next reconciliation looks it up again.
  }
}
