import { consoleLines } from '../app/console-lines';
import type { EngineEvent } from '../core/engine/engine-events';
import type { LogFormat } from './options';

export interface Output {
  event(e: EngineEvent, time: number): void;
  info(message: string): void;
  error(message: string): void;
  /**
   * A connection's state (market data, the exchange): the line when there is one worth printing;
   * in JSON, an event of its own ({"type":"health","source":...} with the state's fields).
   */
  health(source: 'market-data' | 'exchange', state: object, line: string | undefined): void;
  /** Reconciled and trading: in JSON {"type":"ready",...}; nothing more in the pretty form. */
  ready(detail: object): void;
}

const QUIET_TYPES = new Set<EngineEvent['type']>(['signal', 'skip']);

/** Prints engine events as the seed's console lines, or one JSON object per line. */
export function createOutput(
  format: LogFormat,
  quiet = false,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Output {
  if (format === 'json') {
    return {
      event: (e, time) => write(JSON.stringify({ time: new Date(time).toISOString(), ...e })),
      info: (message) => write(JSON.stringify({ time: new Date().toISOString(), type: 'info', message })),
      error: (message) => write(JSON.stringify({ time: new Date().toISOString(), type: 'error', message })),
      health: (source, state, line) => {
        if (line === undefined) return;
        write(JSON.stringify({ time: new Date().toISOString(), type: 'health', source, ...state, message: line }));
      },
      ready: (detail) => write(JSON.stringify({ time: new Date().toISOString(), type: 'ready', ...detail })),
    };
  }
  return {
    event: (e, time) => {
      if (quiet && QUIET_TYPES.has(e.type)) return;
      for (const line of consoleLines(e, time)) write(line);
    },
    info: (message) => write(message),
    error: (message) => process.stderr.write(`${message}\n`),
    health: (_source, _state, line) => {
      if (line) write(line);
    },
    ready: () => undefined,
  };
}
