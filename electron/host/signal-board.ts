/**
 * The signals panel's data: per traded set, its live signal against its thresholds, the last closed
 * candle, the last decision with its reason, and the last refusal ("why did nothing trade?").
 */
import type { ParameterSet } from '../../shared/params/schema';
import { formatMoney } from '../../shared/money/format';
import type { EngineEvent } from '../core/engine/engine-events';
import type { Candle } from '../core/ports/market-feed';
import type { SignalRowDto } from '../../shared/ipc/contract';

/** How many recent signal values a row keeps (its sparkline). */
const HISTORY = 40;

interface Row {
  symbol: string;
  threshold: number;
  exitThreshold: number;
  enabled: boolean;
  value: number;
  candleTime: number | null;
  decision: string;
  decisionTime: number | null;
  refusal: string | null;
  refusalTime: number | null;
  history: number[];
}

export class SignalBoard {
  private readonly rows = new Map<string, Row>();

  /** A new session: one row per set it trades (enabled or paused). */
  reset(sets: readonly ParameterSet[]): void {
    this.rows.clear();
    for (const s of sets) this.rows.set(s.symbol, this.row(s));
  }

  /** Saved sets while trading: thresholds and the paused state follow; values are kept. */
  update(sets: readonly ParameterSet[]): void {
    for (const s of sets) {
      const r = this.rows.get(s.symbol);
      if (!r) continue;
      r.threshold = s.zScoreThreshold;
      r.exitThreshold = s.exitZScore;
      r.enabled = s.enabled;
    }
  }

  /** A closed candle and the signal after it (NaN while warming up). */
  candle(c: Candle, signal: number): void {
    const r = this.rows.get(c.symbol);
    if (!r) return;
    r.candleTime = c.closeTime;
    if (!Number.isFinite(signal)) {
      this.decide(r, 'warming up', c.closeTime);
      return;
    }
    r.value = signal;
    r.history.push(signal);
    if (r.history.length > HISTORY) r.history.shift();
    // A crossing was told by the engine already (and its outcome follows): only the quiet case here.
    if (signal < r.threshold && signal > r.exitThreshold)
      this.decide(r, `below threshold (z ${signal.toFixed(2)}, enters at ${r.threshold})`, c.closeTime);
  }

  /** The engine's decisions: signals acted on, skips, refusals, entries, stale candles. */
  event(e: EngineEvent, time: number): void {
    const symbol = 'symbol' in e ? e.symbol : undefined;
    const r = symbol ? this.rows.get(symbol) : undefined;
    if (!r) return;
    switch (e.type) {
      case 'signal':
        this.decide(
          r,
          e.side === 'buy'
            ? `buy signal: z ${e.value.toFixed(2)} >= ${e.threshold}`
            : `exit signal: z ${e.value.toFixed(2)} <= ${e.threshold}`,
          time,
        );
        return;
      case 'skip': {
        const why =
          e.reason === 'has-position'
            ? 'skipped: position open'
            : e.reason === 'paused'
              ? 'skipped: set disabled'
              : e.reason === 'halted'
                ? 'skipped: trading halted'
                : `skipped: ${e.detail ?? 'symbol not trading'}`;
        this.decide(r, why, time);
        this.refuse(r, why, time);
        return;
      }
      case 'reserve-failed': {
        const why =
          e.needed && e.available && e.quoteAsset
            ? `refused: needs ${formatMoney(e.needed, e.quoteAsset)}, ${formatMoney(e.available, e.quoteAsset)} available`
            : `refused: ${e.reason}`;
        this.decide(r, why, time);
        this.refuse(r, why, time);
        return;
      }
      case 'reserved':
        this.decide(r, `entered: reserved ${formatMoney(e.amount, e.quoteAsset)}`, time);
        return;
      case 'warning':
        if (/candle arrived .* after it closed/.test(e.message)) {
          this.decide(r, 'stale candle: warms the signal, never trades', time);
          this.refuse(r, 'stale candle', time);
        }
        return;
      default:
        return;
    }
  }

  list(): SignalRowDto[] {
    return [...this.rows.values()].map((r) => ({
      symbol: r.symbol,
      value: Number.isFinite(r.value) ? r.value : null,
      threshold: r.threshold,
      exitThreshold: r.exitThreshold,
      enabled: r.enabled,
      candleTime: r.candleTime === null ? null : new Date(r.candleTime).toISOString(),
      decision: r.decision,
      decisionTime: r.decisionTime === null ? null : new Date(r.decisionTime).toISOString(),
      lastRefusal: r.refusal,
      lastRefusalTime: r.refusalTime === null ? null : new Date(r.refusalTime).toISOString(),
      history: [...r.history],
    }));
  }

  private row(s: ParameterSet): Row {
    return {
      symbol: s.symbol,
      threshold: s.zScoreThreshold,
      exitThreshold: s.exitZScore,
      enabled: s.enabled,
      value: NaN,
      candleTime: null,
      decision: s.enabled ? 'warming up' : 'disabled',
      decisionTime: null,
      refusal: null,
      refusalTime: null,
      history: [],
    };
  }

  private decide(r: Row, text: string, time: number): void {
    r.decision = text;
    r.decisionTime = time;
  }

  private refuse(r: Row, text: string, time: number): void {
    r.refusal = text;
    r.refusalTime = time;
  }
}
