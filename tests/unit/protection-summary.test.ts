import { describe, expect, it } from 'vitest';
import { protectionSummary } from '../../electron/app/protection-summary';
import type { Position } from '../../electron/core/ledger/records';

const pos = (symbol: string, status: Position['status']) => ({ symbol, status }) as Position;

describe('the stop line says "protected" only when every open position is', () => {
  it('none, all protected, some not', () => {
    expect(protectionSummary([])).toBe('No open positions.');
    expect(protectionSummary([pos('BTCUSDT', 'protected'), pos('ETHUSDT', 'protected')])).toBe(
      '2 open position(s) stay protected by their OCOs.',
    );
    expect(protectionSummary([pos('BTCUSDT', 'protected'), pos('ETHUSDT', 'open'), pos('BNBUSDT', 'opening')])).toBe(
      '3 open position(s): 1 protected by their OCOs, 2 NOT protected (ETHUSDT open, BNBUSDT opening).',
    );
  });
});
