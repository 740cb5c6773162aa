/**
 * Timed work, driven by tick(): deferred exits and OCOs, rechecks, the gap check of a triggered
 * stop that does not fill, and the check of a take-profit's rest that does not fill.
 */
import type { Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import type { Due } from './flow-context';
import { FlowPart } from './flow-state';

export class DueWork extends FlowPart {
  /** Runs what is due: gap checks, re-protection of a take-profit's rest, deferred exits and OCOs. */
  tick(now: number): void {
    if (this.x.stopping.aborted) return;
    for (const [symbol, list] of this.s.due) {
      const ready = list.filter((d) => d.at <= now);
      if (ready.length === 0) continue;
      this.s.due.set(
        symbol,
        list.filter((d) => d.at > now),
      );
      for (const d of ready) void this.x.track(symbol, () => this.x.locks.run(symbol, () => this.runDue(symbol, d)));
    }
  }

  /** Whether anything is scheduled (a replay keeps ticking while so). */
  hasDue(): boolean {
    for (const list of this.s.due.values()) if (list.length > 0) return true;
    return false;
  }

  private async runDue(symbol: string, d: Due): Promise<void> {
    const p = this.ledger.position(symbol);
    if (!p || p.status === 'closed') return;
    switch (d.kind) {
      case 'protect':
        if (p.status === 'open') await this.f.protectLocked(p);
        return;
      case 'exit':
        await this.f.exitLocked(p, d.reason ?? p.exitReason ?? 'reversal');
        return;
      case 'recheck':
        await this.x.recheckLocked(symbol);
        return;
      case 'gap-check':
        return this.gapCheck(p);
      case 'tp-check':
        return this.takeProfitCheck(p);
    }
  }

  /** A triggered stop still unfilled after the grace period, the price below its limit: sell the rest at market. */
  private async gapCheck(p: Position): Promise<void> {
    const state = this.s.protection.get(p.symbol);
    if (state?.kind !== 'stop-triggered') return;
    let last: Decimal | undefined;
    try {
      last = await this.exchange.getLastPrice(p.symbol);
    } catch {
      last = undefined;
    }
    const limit = state.limitPrice;
    if (last !== undefined && (limit === undefined || last.lt(limit))) {
      await this.f.exitLocked(
        p,
        'gapped-stop',
        `the stop triggered ${Math.round((this.now() - state.since) / 1000)} s ago and did not fill: the price ${last.toFixed()} is below its limit ${limit?.toFixed() ?? '-'}`,
      );
      return;
    }
    this.schedule(p.symbol, 'gap-check', this.x.timings.gapGraceMs);
  }

  /** A take-profit that started filling, its rest unfilled after the grace period and the price back below it: protect the rest again. */
  private async takeProfitCheck(p: Position): Promise<void> {
    const state = this.s.protection.get(p.symbol);
    if (state?.kind !== 'take-profit-filling') return;
    let last: Decimal | undefined;
    try {
      last = await this.exchange.getLastPrice(p.symbol);
    } catch {
      last = undefined;
    }
    if (last === undefined || (state.price && last.gte(state.price))) {
      this.schedule(p.symbol, 'tp-check', this.x.timings.gapGraceMs);
      return;
    }
    this.x.tell({
      type: 'protection',
      symbol: p.symbol,
      state: 'restored',
      message: `${p.symbol}: the take-profit's rest did not fill and the price fell back to ${last.toFixed()}: cancelling it and protecting the rest with a new OCO`,
    });
    const cancelled = await this.f.cancelProtection(p);
    if (cancelled === 'live') {
      // The rest still works (and is watched again): checked again after the grace period.
      this.schedule(p.symbol, 'tp-check', this.x.timings.gapGraceMs);
      return;
    }
    this.s.protection.delete(p.symbol);
    const cur = this.current(p);
    if (cur) await this.f.protectLocked(cur);
  }
}
