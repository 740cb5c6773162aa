import { ConfigError } from '../app/parameter-file';
import { LedgerError } from '../store/database';
import { clearAllocationsCommand, emergencyStopCommand } from './commands/ledger-actions';
import { statusCommand } from './commands/status';
import { tradeCommand } from './commands/trade';
import { HELP, parseCommandLine, UsageError } from './options';

/** Entry point of the `tranche` command line (npm run startTrading / status / emergencyStop / tranche). */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command = 'help', ...rest] = positionals;
  if (rest.length > 0)
    throw new UsageError(`unexpected argument(s): ${rest.join(' ')}. Options take the form --name=value.`);
  switch (command) {
    case 'trade':
      return tradeCommand(values);
    case 'status':
      return statusCommand(values);
    case 'emergency-stop':
      return emergencyStopCommand(values);
    case 'clear-allocations':
      return clearAllocationsCommand(values);
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"; commands: trade, status, emergency-stop, clear-allocations`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof LedgerError) {
      process.stderr.write(`✖ ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`✖ unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
