import { ConfigError } from '../app/parameter-file';
import { PlanError } from '../app/session-plan';
import { LedgerError } from '../store/database';
import { keysCommand } from './commands/keys';
import { clearAllocationsCommand, emergencyStopCommand } from './commands/ledger-actions';
import { logCommand } from './commands/log';
import { paramsCommand } from './commands/params';
import { statusCommand } from './commands/status';
import { tradeCommand } from './commands/trade';
import { UsageError } from './options';
import { buildProgram } from './program';
import { CommanderError } from 'commander';

/** Entry point of the `tranche` command line (npm run startTrading / status / emergencyStop / keys / tranche). */
async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram(
    {
      trade: (_, v) => tradeCommand(v),
      status: (_, v) => statusCommand(v),
      log: (_, v) => logCommand(v),
      emergencyStop: (_, v) => emergencyStopCommand(v),
      clearAllocations: (_, v) => clearAllocationsCommand(v),
      params: (args, v) => paramsCommand(args, v),
      keys: (args, v) => keysCommand(args, v),
      // Loaded on demand: the host and its transport are not part of the trading commands.
      serve: async (_, v) => (await import('./commands/serve')).serveCommand(v),
    },
    (c) => (code = c),
  );
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    // Commander has printed its message (an unknown option with the nearest name, a missing
    // argument) or the help; only the exit code is left to give.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

// Output piped into a reader that went away (`tranche log | head`): stop writing, never crash (a
// trading run goes on; its ledger and journal keep everything).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof LedgerError || e instanceof PlanError) {
      process.stderr.write(`✖ ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    // Anything else is a runtime failure: say what it is; the stack only when asked for.
    const debug = process.env.TRANCHE_DEBUG === '1';
    const text = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
    process.stderr.write(`✖ ${text}${debug ? '' : '\n  (set TRANCHE_DEBUG=1 for the stack trace)'}\n`);
    process.exitCode = 1;
  },
);
