import { TradingSession } from '../../app/trading-session';
import { Decimal } from '../../core/money/decimal';
import { LedgerError, ledgerOwner, peekLedger, type LedgerIdentity, type PidInfo } from '../../store/database';
import { ledgerFileFor, parseMarket, type Values } from '../options';
import { liveVenue } from './live-venue';
import { checkAllClosed } from './open-positions';
import { emergencyStopThroughOwner } from './owner-emergency-stop';
import { createOutput } from '../output';
import { statusJson } from '../summary';

type WhenOwned = (owner: PidInfo, file: string, identity: LedgerIdentity) => Promise<number>;

/**
 * Opens a stored ledger (paper or live) with the parameter sets saved in it, reconciles it, runs `action`,
 * and closes it; then `verify`, if given, gives the exit code. When another process owns the
 * ledger, `whenOwned` gets that owner instead (before any API key is looked up: the owner has its own).
 */
async function withStoredLedger(
  values: Values,
  action: (session: TradingSession) => Promise<void> | void,
  whenOwned: WhenOwned,
  verify?: (file: string, identity: LedgerIdentity) => number,
): Promise<number> {
  const market = parseMarket(values.market, values);
  const file = ledgerFileFor(values, market);
  const meta = peekLedger(file);
  const owner = ledgerOwner(file);
  if (owner) return whenOwned(owner, file, meta);
  const out = createOutput(values['log-format'] === 'json' ? 'json' : 'pretty');
  // Said first: which ledger (and so which account, real or simulated) this acts on.
  out.info(`Ledger ${file} (${meta.mode}, ${meta.environment})`);
  let session: TradingSession;
  try {
    const probe = TradingSession.readSets(file, meta);
    if (meta.mode === 'live') {
      // A live ledger: act on Binance itself, with that environment's key.
      const { venue } = await liveVenue(
        { ...values, env: meta.environment, 'confirm-live': true },
        probe.sets,
        probe.quoteAsset,
        out,
      );
      session = TradingSession.open({
        sets: probe.sets,
        quoteAsset: probe.quoteAsset,
        market: { kind: 'binance', restBaseUrl: venue.endpoints.restBaseUrl, wsBaseUrl: venue.endpoints.streamBaseUrl },
        dbFile: file,
        venue,
        onEvent: (e, t) => out.event(e, t),
      });
    } else {
      session = TradingSession.open({
        sets: probe.sets,
        quoteAsset: probe.quoteAsset,
        market: meta.environment === 'replay' ? { kind: 'replay', dir: '' } : market,
        dbFile: file,
        venue: { kind: 'paper', balance: new Decimal(1), feeRate: new Decimal(0.001), slippageBps: 5 },
        onEvent: (e, t) => out.event(e, t),
        offline: true,
      });
    }
  } catch (e) {
    // Taken by another process meanwhile.
    const taken = e instanceof LedgerError ? ledgerOwner(file) : undefined;
    if (taken) return whenOwned(taken, file, meta);
    throw e;
  }
  try {
    const report = await session.connect();
    if (report.length === 1 && report[0]!.startsWith('ledger and exchange agree')) out.info(`🔁 ${report[0]}`);
    await action(session);
    out.info(statusJson(session.engine.getAllocationStatus()));
  } finally {
    await session.close();
  }
  return verify ? verify(file, meta) : 0;
}

/** `emergency-stop`: cancel every OCO, sell every position at market, clear every reservation. */
export function emergencyStopCommand(values: Values): Promise<number> {
  return withStoredLedger(
    values,
    (s) => s.engine.emergencyStop(),
    // The ledger is being traded by another process: it runs its own emergency stop, asked over
    // its control channel, and the ledger file is checked afterwards.
    (owner, file, identity) => emergencyStopThroughOwner(file, identity, owner),
    checkAllClosed,
  );
}

/** `clear-allocations`: the seed's emergency reset of every reservation. */
export function clearAllocationsCommand(values: Values): Promise<number> {
  return withStoredLedger(
    values,
    (s) => {
      s.engine.clearAllAllocations();
    },
    async (owner, file) => {
      process.stderr.write(
        `ledger ${file} is in use by pid ${owner.pid}; stop it first (Ctrl+C), then clear the allocations\n`,
      );
      return 1;
    },
  );
}
