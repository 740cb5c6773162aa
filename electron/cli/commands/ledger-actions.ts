import { setTimeout as sleep } from 'node:timers/promises';
import { PaperSession } from '../../app/trading-session';
import { Decimal } from '../../core/money/decimal';
import { LedgerError, ledgerOwnerPid, peekLedger } from '../../store/database';
import { ledgerFileFor, parseMarket, UsageError, type parseCommandLine } from '../options';
import { createOutput } from '../output';
import { statusJson } from '../summary';

type Values = ReturnType<typeof parseCommandLine>['values'];

/**
 * Opens a stored paper ledger with the parameter sets saved in it, reconciles it, runs `action`,
 * and closes it. When another process owns the ledger, `whenOwned` gets its pid instead.
 */
async function withStoredLedger(
  values: Values,
  action: (session: PaperSession) => Promise<void> | void,
  whenOwned: (pid: number, file: string) => Promise<number>,
): Promise<number> {
  if (values.live)
    throw new UsageError('live ledgers come with live trading; this version has paper ledgers only (use --paper)');
  const market = parseMarket(values.market, values);
  const file = ledgerFileFor(values, market);
  const meta = peekLedger(file);
  const out = createOutput(values['log-format'] === 'json' ? 'json' : 'pretty');
  let session: PaperSession;
  try {
    const probe = PaperSession.readSets(file, meta);
    session = PaperSession.open({
      sets: probe.sets,
      quoteAsset: probe.quoteAsset,
      market: meta.environment === 'replay' ? { kind: 'replay', dir: '' } : market,
      dbFile: file,
      balance: new Decimal(1),
      feeRate: new Decimal(0.001),
      slippageBps: 5,
      onEvent: (e, t) => out.event(e, t),
      offline: true,
    });
  } catch (e) {
    const pid = e instanceof LedgerError ? ledgerOwnerPid(file) : undefined;
    if (pid !== undefined) return whenOwned(pid, file);
    throw e;
  }
  try {
    const report = await session.engine.start();
    for (const line of report) out.info(`🔁 ${line}`);
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
