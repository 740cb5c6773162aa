/**
 * What a trader does to one position by hand: move its take-profit or stop-loss (the OCO cancelled
 * and placed again with the same rounding and checks as any OCO), and forget a position whose coins
 * were sold outside Tranche. Closing one at market is an ordinary exit (reason 'manual').
 */
import type { Position } from '../ledger/records';
import { Decimal } from '../money/decimal';
import { roundToTick } from '../money/symbol-rules';
import { FlowPart } from './flow-state';
import { planOco } from './oco-plan';
import { tooSmallToSell } from './sell-sizes';

/** A request the engine refuses: nothing was changed. The message says why and what to do. */
export class ManualRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManualRequestError';
  }
}

export interface NewTargets {
  /** The new take-profit price (rounded up to the tick). */
  takeProfit?: Decimal;
  /** The new stop trigger price (rounded down to the tick); its limit keeps the set's offset below it. */
  stop?: Decimal;
}

export class ManualFlow extends FlowPart {
  /**
   * New take-profit and/or stop for a protected position. Checked first (above / below the last
   * price, the symbol's filters and minimum order value): a refused request changes nothing. Then
   * the OCO is cancelled and placed again at the new prices; should the placement fail, the usual
   * protection path takes over (retries, and as a last resort a sale at market). Returns what moved.
   */
  async retargetLocked(position: Position, targets: NewTargets, lastPrice: number): Promise<string> {
    const p = this.current(position);
    if (!p) throw new ManualRequestError(`${position.symbol} has no open position any more`);
    if (p.status !== 'protected')
      throw new ManualRequestError(
        // (Never 'opening' here: the engine refuses those before taking the symbol's lock.)
        `${p.symbol} is ${p.status === 'exiting' ? 'being sold' : 'not protected right now'}: its targets can be moved once it is protected`,
      );
    if (!targets.takeProfit && !targets.stop)
      throw new ManualRequestError('give a new take-profit, a new stop, or both');
    const rules = this.x.rulesFor(p.symbol);
    const tick = rules.tickSize;
    const tp = targets.takeProfit ? roundToTick(targets.takeProfit, tick, 'up') : p.takeProfitPrice!;
    const stop = targets.stop ? roundToTick(targets.stop, tick, 'down') : p.stopPrice!;
    if (!(Number.isFinite(lastPrice) && lastPrice > 0))
      throw new ManualRequestError(`${p.symbol} has no price yet: try again once the market has traded`);
    const last = new Decimal(lastPrice);
    if (!tp.gt(last))
      throw new ManualRequestError(
        `the take-profit ${tp.toFixed()} must be above the last price ${last.toFixed()}; to sell now, close the position`,
      );
    if (!stop.lt(last))
      throw new ManualRequestError(
        `the stop ${stop.toFixed()} must be below the last price ${last.toFixed()}; to sell now, close the position`,
      );
    // The percents that plan exactly these prices (half a tick inside, so the plan's rounding
    // away from the entry lands on them whatever the float error).
    const avg = p.avgPrice;
    const half = tick.isZero() ? new Decimal(0) : tick.div(2);
    const params = {
      ...p.params,
      profitPercent: tp.sub(half).div(avg).sub(1).mul(100).toNumber(),
      stopLossPercent: new Decimal(1).sub(stop.add(half).div(avg)).mul(100).toNumber(),
    };
    const remaining = this.ledger.remainingQty(p);
    const planned = planOco(
      { ...p, params },
      remaining,
      rules,
      this.exchange.clientOrderIdPrefix,
      this.ledger.ledgerId,
    );
    if (!planned.ok) throw new ManualRequestError(`the new OCO would be refused: ${planned.problem}`);
    if (!planned.plan.takeProfitPrice.eq(tp) || !planned.plan.stopPrice.eq(stop))
      throw new ManualRequestError(
        `the new prices cannot be planned exactly (${planned.plan.takeProfitPrice.toFixed()}, ${planned.plan.stopPrice.toFixed()})`,
      );
    const what =
      `${targets.takeProfit ? `take-profit ${p.takeProfitPrice?.toFixed()} -> ${tp.toFixed()}` : ''}` +
      `${targets.takeProfit && targets.stop ? ', ' : ''}` +
      `${targets.stop ? `stop ${p.stopPrice?.toFixed()} -> ${stop.toFixed()}` : ''}`;
    const cancelled = await this.f.cancelProtection(p);
    if (cancelled === 'closed') return `${p.symbol}'s position closed before its targets could be moved`;
    if (cancelled === 'live')
      throw new ManualRequestError(
        `${p.symbol}'s OCO could not be cancelled now: nothing changed; try again in a moment`,
      );
    const cur = this.current(p);
    if (!cur) return `${p.symbol}'s position closed before its targets could be moved`;
    const moved = this.ledger.retarget(cur.id, params, `targets moved by hand: ${what}`, this.now());
    this.x.tell({
      type: 'warning',
      symbol: p.symbol,
      message: `${p.symbol}: targets moved by hand (${what}); placing the new OCO`,
    });
    await this.f.protectLocked(moved);
    return `${p.symbol}: ${what}`;
  }

  /**
   * Forgets a position whose coins are no longer on the account (sold in the Binance app, moved
   * away): closed as 'external', its reservation released. Refused while the account still holds
   * them (close it at market instead).
   */
  async forgetLocked(position: Position): Promise<string> {
    const p = this.current(position);
    if (!p) throw new ManualRequestError(`${position.symbol} has no open position any more`);
    // (Never 'opening' here: the engine refuses those before taking the symbol's lock.)
    const rules = this.x.rulesFor(p.symbol);
    const held = await this.exchange.getAssetBalance(rules.baseAsset);
    const total = held.free.add(held.locked);
    const remaining = this.ledger.remainingQty(p);
    if (!tooSmallToSell(total, rules, this.lastFillPrice(p)))
      throw new ManualRequestError(
        `the account still holds ${total.toFixed()} ${rules.baseAsset} (this position: ${remaining.toFixed()}): close it at market instead, or sell them in the Binance app first`,
      );
    // The coins are gone. What the ledger believes still works (an OCO ended elsewhere, unheard of)
    // is asked of the exchange and ended first: nothing of ours may rest once it is forgotten.
    // (With no working leg in the ledger this is 'clear' at once.)
    const ended = await this.f.cancelProtection(p);
    if (ended === 'closed') return `${p.symbol}'s position closed meanwhile`;
    if (ended === 'live')
      throw new ManualRequestError(
        `${p.symbol}'s OCO could not be confirmed gone from the exchange: try again in a moment`,
      );
    const cur = this.current(p);
    if (!cur) return `${p.symbol}'s position closed meanwhile`;
    this.ledger.note(
      'manual',
      cur.symbol,
      `forgotten by hand: the account holds ${total.toFixed()} ${rules.baseAsset}`,
      this.now(),
    );
    this.f.closeLocked(cur, 'external');
    return `${p.symbol}: position forgotten (the account holds ${total.toFixed()} ${rules.baseAsset}); its reservation is released`;
  }
}
