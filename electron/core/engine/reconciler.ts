import type { Position } from '../ledger/records';
import type { Exchange, OcoReport, OrderReport } from '../ports/exchange';
import type { TradingEngine } from './trading-engine';
import { describe } from './trading-engine';

/**
 * Restart reconciliation: before any new entry, every position the ledger still holds is compared
 * with what the exchange says, and mended:
 *  - an entry whose outcome was unknown is looked up by client order id: never sent -> funds
 *    released; filled while we were down -> booked and protected;
 *  - a bought position without a confirmed OCO: the OCO is looked up, else placed;
 *  - a protected position whose OCO completed while we were down -> closed with the real fills;
 *    whose OCO vanished -> protected again;
 *  - an exit in progress (reversal, emergency) -> finished;
 *  - a reservation with no position behind it -> released.
 * Every correction is an event in the ledger and a line of the returned report.
 */
export class Reconciler {
  private readonly lines: string[] = [];

  constructor(
    private readonly engine: TradingEngine,
    private readonly exchange: Exchange,
  ) {}

  async run(opts: { quietWhenClean?: boolean } = {}): Promise<string[]> {
    const ledger = this.engine.ledger;
    for (const p of ledger.openPositions()) {
      try {
        await this.engine.loadRules(p.symbol);
        await this.position(p);
      } catch (e) {
        this.say(
          p.symbol,
          `could not reconcile position #${p.id}: ${describe(e)}; it is left as it was and checked again at the next start`,
        );
      }
    }
    for (const r of ledger.allReservations()) {
      const p = ledger.position(r.symbol);
      if (!p || p.id !== r.positionId) {
        const amount = ledger.releaseOrphan(r.symbol, 'no position stands behind it', this.engine.now());
        this.say(r.symbol, `released a reservation of ${amount.toFixed()} with no position behind it`);
        this.engine.tellReleased(r.symbol, amount, 'orphan');
      }
    }
    if (this.lines.length === 0 && !opts.quietWhenClean)
      this.lines.push('ledger and exchange agree: nothing to reconcile');
    return this.lines;
  }

  private async position(p: Position): Promise<void> {
    switch (p.status) {
      case 'opening':
        return this.opening(p);
      case 'open':
        return this.unprotected(p);
      case 'protected':
        return this.protectedPosition(p);
      case 'exiting':
        return this.exiting(p);
      case 'closed':
        return;
    }
  }

  private async opening(p: Position): Promise<void> {
    const report = await this.exchange.getOrder(p.symbol, p.entryClientOrderId);
    if (!report) {
      this.say(p.symbol, `entry order ${p.entryClientOrderId} never reached the exchange: reservation released`);
      const released = this.engine.ledger.entryFailed(
        p.id,
        'never reached the exchange (found on restart)',
        this.engine.now(),
      );
      this.engine.tellReleased(p.symbol, released, 'entry-failed');
      return;
    }
    if (report.executedQty.isZero() && (report.status === 'NEW' || report.status === 'PARTIALLY_FILLED')) {
      this.say(p.symbol, `entry order ${p.entryClientOrderId} is still working on the exchange; it is followed`);
      return;
    }
    this.say(
      p.symbol,
      report.executedQty.isZero()
        ? `entry order ${p.entryClientOrderId} ended ${report.status} with nothing bought: reservation released`
        : `entry order ${p.entryClientOrderId} filled while we were down (${report.executedQty.toFixed()} for ${report.cumQuote.toFixed()}): booked and protected`,
    );
    await this.engine.afterEntry(p, report);
  }

  private async unprotected(p: Position): Promise<void> {
    if (p.ocoListClientOrderId) {
      const oco = await this.exchange.getOco(p.symbol, p.ocoListClientOrderId);
      if (oco && (await this.settleOco(p, oco))) return;
    }
    this.say(p.symbol, `position #${p.id} had no protective OCO: placing one now`);
    await this.engine.protect(this.engine.ledger.position(p.symbol)!);
  }

  private async protectedPosition(p: Position): Promise<void> {
    const oco = p.ocoListClientOrderId ? await this.exchange.getOco(p.symbol, p.ocoListClientOrderId) : undefined;
    if (oco && (await this.settleOco(p, oco))) return;
    this.say(p.symbol, `the OCO of position #${p.id} is gone from the exchange: protecting it again`);
    const cur = this.engine.ledger.position(p.symbol)!;
    const reopened = this.engine.ledger.ocoEnded(cur.id, 'canceled', 'vanished from the exchange', this.engine.now());
    await this.engine.protect(reopened);
  }

  /**
   * Applies what the exchange says of an OCO. Returns true when that settled the position (it rests
   * and is recorded as protected, or a leg filled and the position is closed).
   */
  private async settleOco(p: Position, oco: OcoReport): Promise<boolean> {
    const filled = [oco.takeProfit, oco.stopLoss].find((l) => l.status === 'FILLED');
    if (filled) {
      const reason = filled === oco.takeProfit ? 'take-profit' : 'stop-loss';
      this.say(
        p.symbol,
        `the OCO's ${reason} filled while we were down at ${avg(filled)}: position closed with the real fills`,
      );
      this.engine.closeWith(p, filled, reason);
      return true;
    }
    if (oco.status === 'EXECUTING') {
      if (p.status !== 'protected') {
        this.engine.ledger.ocoPlaced(p.id, oco, this.engine.now());
        this.say(p.symbol, `the OCO of position #${p.id} was accepted before the restart: position protected`);
      }
      return true;
    }
    if (this.engine.ledger.position(p.symbol)?.id === p.id && this.engine.hasLiveOco(p)) {
      this.engine.ledger.ocoEnded(p.id, 'canceled', `list ${oco.status}`, this.engine.now());
    }
    return false;
  }

  private async exiting(p: Position): Promise<void> {
    if (p.exitClientOrderId) {
      const sell = await this.exchange.getOrder(p.symbol, p.exitClientOrderId);
      if (sell && sell.status === 'FILLED') {
        this.say(p.symbol, `the market sell of position #${p.id} filled while we were down: closed`);
        this.engine.closeWith(p, sell, p.exitReason ?? 'external');
        return;
      }
    }
    if (p.ocoListClientOrderId) {
      const oco = await this.exchange.getOco(p.symbol, p.ocoListClientOrderId);
      const filled = oco && [oco.takeProfit, oco.stopLoss].find((l) => l.status === 'FILLED');
      if (filled) {
        const reason = filled === oco.takeProfit ? 'take-profit' : 'stop-loss';
        this.say(p.symbol, `the OCO's ${reason} filled before the exit: position closed`);
        this.engine.closeWith(p, filled, reason);
        return;
      }
    }
    this.say(p.symbol, `finishing the interrupted ${p.exitReason ?? 'exit'} of position #${p.id}`);
    await this.engine.exitPosition(p, p.exitReason ?? 'external');
  }

  private say(symbol: string, message: string): void {
    this.lines.push(`${symbol}: ${message}`);
    this.engine.ledger.note('reconcile', symbol, message, this.engine.now());
    this.engine.tell({ type: 'reconciled', symbol, message });
  }
}

function avg(r: OrderReport): string {
  return r.executedQty.isZero() ? '?' : r.cumQuote.div(r.executedQty).toFixed();
}
