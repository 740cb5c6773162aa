/** The engine's exit reasons (ExitReason in electron/core/ledger/records.ts), in a trader's words. */
const EXIT_REASON_WORDS: Readonly<Record<string, string>> = {
  'take-profit': 'Take profit',
  'stop-loss': 'Stop loss',
  'gapped-stop': 'Stop loss (gapped, sold at market)',
  reversal: 'Z-score reversal',
  emergency: 'Emergency exit',
  unprotectable: 'Unprotected exit',
  'entry-failed': 'Entry failed',
  dust: 'Dust',
  external: 'Closed outside Tranche',
  manual: 'Closed by hand',
};

export function exitReasonWords(reason: string): string {
  return EXIT_REASON_WORDS[reason] ?? reason;
}
