/**
 * Which engine events and exchange conditions reach an unattended trader, and in what words:
 * entries, exits (an unprotected one said so), errors, bans, reconciliation corrections and the
 * emergency stop. Signals, reservations and the rest stay in the log.
 */
import type { ExchangeHealth } from '../../adapters/binance/binance-exchange';
import type { EngineEvent } from '../../core/engine/engine-events';
import { consoleLines } from '../console-lines';
import { describeExchangeHealth } from '../health-lines';

type AlertKind = 'entry' | 'exit' | 'unprotected-exit' | 'error' | 'ban' | 'correction' | 'emergency-stop';

export interface Alert {
  kind: AlertKind;
  symbol?: string;
  /** One message, plain text. */
  text: string;
  /** When it happened (ms since the epoch; market time in a replay). */
  time: number;
}

/** Exits that mean the position was not (or no longer) protected by its OCO when it was sold. */
const UNPROTECTED_EXITS = new Set(['unprotectable', 'external', 'entry-failed']);

/** The alert for an engine event, or undefined when it is not one a trader is woken for. */
export function alertForEvent(e: EngineEvent, time: number): Alert | undefined {
  const text = () => consoleLines(e, time).join('\n');
  switch (e.type) {
    case 'buy-filled':
      return { kind: 'entry', symbol: e.symbol, text: text(), time };
    case 'position-closed':
      return {
        kind: UNPROTECTED_EXITS.has(e.reason) ? 'unprotected-exit' : 'exit',
        symbol: e.symbol,
        text: text(),
        time,
      };
    case 'error':
      return { kind: 'error', ...(e.symbol ? { symbol: e.symbol } : {}), text: text(), time };
    case 'reconciled':
      // "ledger and exchange agree" is not news; a correction is.
      if (/agree: nothing to reconcile/.test(e.message)) return undefined;
      return { kind: 'correction', ...(e.symbol ? { symbol: e.symbol } : {}), text: text(), time };
    case 'balance-divergence':
      return { kind: 'correction', text: `🔁 ${e.message}`, time };
    case 'emergency-stop':
      return { kind: 'emergency-stop', text: text(), time };
    default:
      return undefined;
  }
}

/** The alert for an exchange condition: a ban (trading paused), or undefined. */
export function alertForExchange(h: ExchangeHealth, time: number): Alert | undefined {
  if (h.kind !== 'paused' || h.reason !== 'banned') return undefined;
  return { kind: 'ban', text: describeExchangeHealth(h) ?? 'Binance banned this IP', time };
}
