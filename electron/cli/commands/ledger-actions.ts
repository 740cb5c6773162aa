import { setTimeout as sleep } from 'node:timers/promises';
import { TradingSession } from '../../app/trading-session';
import { Decimal } from '../../core/money/decimal';
import { LedgerError, ledgerOwnerPid, peekLedger } from '../../store/database';
import { ledgerFileFor, parseMarket, type parseCommandLine } from '../options';
import { liveVenue } from './live-venue';
import { createOutput } from '../output';
import { statusJson } from '../summary';

type Values = ReturnType<typeof parseCommandLine>['values'];

/**
 * Opens a stored ledger (paper or live) with the parameter sets saved in it, reconciles it, runs `action`,
 * and closes it. When another process owns the ledger, `whenOwned` gets its pid instead.
 */
async function withStoredLedger(
  values: Values,
  action: (session: TradingSession) => Promise<void> | void,
  whenOwned: (pid: number, file: string) => Promise<number>,
): Promise<number> {
  const market = parseMarket(values.market, values);
  const file = ledgerFileFor(values, market);
  const meta = peekLedger(file);
  const out = createOutput(values['log-format'] === 'json' ? 'json' : 'pretty');
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
    const pid = e instanceof LedgerError ? ledgerOwnerPid(file) : undefined;
    if (pid !== undefined) return whenOwned(pid, file);
    throw e;
  }
  try {
    const report = await session.connect();
    if (report.length === 1 && report[0]!.startsWith('ledger and exchange agree')) out.info(`🔁 ${report[0]}`);
    await action(session);
    out.info(statusJson(session.engine.getAllocationStatus()));
    return 0;
  } finally {
    await session.close();
  }
}

/** `emergency-stop`: cancel every OCO, sell every position at market, clear every reservation. */
export function emergencyStopCommand(values: Values): Promise<number> {
  return withStoredLedger(
    values,
    (s) => s.engine.emergencyStop(),
    async (pid, file) => {
      // The ledger is being traded by another process: ask it to run the emergency stop itself.
      process.stdout.write(
        `🚨 Ledger ${file} is in use by pid ${pid}: sending it the emergency stop signal (SIGUSR2)\n`,
      );
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 600; i++) {
        await sleep(100);
        if (ledgerOwnerPid(file) === undefined) {
          process.stdout.write('🚨 Emergency stop done: the trading process has stopped.\n');
          return 0;
        }
      }
      process.stderr.write(`pid ${pid} did not finish the emergency stop within 60 s; check its output\n`);
      return 1;
    },
  );
}

/** `clear-allocations`: the seed's emergency reset of every reservation. */
export function clearAllocationsCommand(values: Values): Promise<number> {
  return withStoredLedger(
    values,
    (s) => {
      s.engine.clearAllAllocations();
    },
    async (pid, file) => {
      process.stderr.write(
        `ledger ${file} is in use by pid ${pid}; stop it first (Ctrl+C), then clear the allocations\n`,
      );
      return 1;
    },
  );
}
