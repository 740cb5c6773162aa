import { ConfigError } from '../app/parameter-file';
import { PlanError } from '../app/session-plan';
import { LedgerError } from '../store/database';
import { keysCommand } from './commands/keys';
import { clearAllocationsCommand, emergencyStopCommand } from './commands/ledger-actions';
import { logCommand } from './commands/log';
import { paramsCommand } from './commands/params';
import { statusCommand } from './commands/status';
import { tradeCommand } from './commands/trade';
import { HELP, parseCommandLine, UsageError } from './options';

/** Entry point of the `tranche` command line (npm run startTrading / status / emergencyStop / keys / tranche). */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command = 'help', ...rest] = positionals;
  // `keys` has sub-commands (keys list | set | delete); every other command takes options only.
  if (command === 'keys') return keysCommand(rest, values);
  if (command === 'params') return paramsCommand(rest, values);
  if (rest.length > 0)
    throw new UsageError(`unexpected argument(s): ${rest.join(' ')}. Options take the form --name=value.`);
  switch (command) {
    case 'trade':
      return tradeCommand(values);
    case 'status':
      return statusCommand(values);
    case 'log':
      return logCommand(values);
    case 'emergency-stop':
      return emergencyStopCommand(values);
    case 'clear-allocations':
      return clearAllocationsCommand(values);
    case 'serve':
      // Loaded on demand: the host and its transport are not part of the trading commands.
      return (await import('./commands/serve')).serveCommand(values);
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(
        `unknown command "${command}"; commands: trade, status, log, params, emergency-stop, clear-allocations, keys, serve`,
      );
  }
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
