import type { OpenPositionLine } from '../../app/control-protocol';
import { openLedgerDatabase, type LedgerIdentity } from '../../store/database';
import { SqliteLedgerStore } from '../../store/sqlite-ledger-store';

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

/** The positions not closed in a ledger, read from its file without locking it. */
function openPositionsInLedger(file: string, identity: LedgerIdentity): OpenPositionLine[] {
  const db = openLedgerDatabase(file, { mode: identity.mode, environment: identity.environment, readonly: true });
  try {
    return new SqliteLedgerStore(db)
      .load()
      .positions.filter((p) => p.status !== 'closed')
      .map((p) => ({ symbol: p.symbol, status: p.status, quantity: p.sellQty.toFixed() }));
  } finally {
    db.close();
  }
}

function positionLines(open: readonly OpenPositionLine[]): string[] {
  return open.map((p) => `   ${p.symbol.padEnd(10)} ${p.status.padEnd(10)} qty ${p.quantity}`);
}

/** What the ledger file says after a failed or unconfirmed stop, for the trader to act on. */
export function reportOpenPositions(file: string, identity: LedgerIdentity): void {
  try {
    const open = openPositionsInLedger(file, identity);
    if (open.length === 0) complain(`   Ledger ${file} shows no open position right now.`);
    else {
      complain(`   Ledger ${file} shows ${open.length} open position(s):`);
      for (const l of positionLines(open)) complain(l);
    }
  } catch (e) {
    complain(`   (cannot read ledger ${file}: ${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * The end of every emergency stop: reads the ledger file (read-only) and says whether it shows every
 * position closed (0) or which are still open (1).
 */
export function checkAllClosed(file: string, identity: LedgerIdentity): number {
  let open: OpenPositionLine[];
  try {
    open = openPositionsInLedger(file, identity);
  } catch (e) {
    complain(
      `✖ cannot read ledger ${file} to check the emergency stop: ${e instanceof Error ? e.message : String(e)}. Check it with npm run status -- --db=${file}`,
    );
    return 1;
  }
  if (open.length > 0) {
    complain(`✖ Emergency stop incomplete: ledger ${file} still shows ${open.length} open position(s):`);
    for (const l of positionLines(open)) complain(l);
    complain(`   Sell them by hand on the exchange, or run npm run emergencyStop again.`);
    return 1;
  }
  say(`✅ Emergency stop done: ledger ${file} shows no open position.`);
  return 0;
}
