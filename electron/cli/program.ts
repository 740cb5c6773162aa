import { Command, Option } from 'commander';
import { OPTIONS, type OptionName, type Values } from './option-catalogue';

/** What runs a command: its positional arguments and the options given. */
type Handler = (args: string[], values: Values) => Promise<number> | number;

export interface Handlers {
  trade: Handler;
  status: Handler;
  log: Handler;
  emergencyStop: Handler;
  clearAllocations: Handler;
  params: Handler;
  keys: Handler;
  serve: Handler;
}

/** The options that choose a stored ledger (status, log, emergency-stop, clear-allocations). */
const LEDGER: OptionName[] = ['db', 'data-dir', 'market', 'paper', 'env'];
const BINANCE_URLS: OptionName[] = ['binance-rest-url', 'binance-ws-url', 'binance-ws-api-url'];

const API_KEYS_NOTE = `
API keys: the OS keychain (service Tranche, one entry per environment; npm run keys -- --help), or
BINANCE_API_KEY and BINANCE_API_SECRET in the environment (headless servers; they take precedence
over the keychain). A secret is never taken from an argument and never printed.`;

/**
 * Commander's suggestion for an unknown option compares the whole `--name=value` token, so
 * `--parameterSet=config/live-params.json` found no near name; the name alone is compared (and
 * shown: a value can be long). Relies on commander's unknownOption (version pinned in package.json;
 * tests/unit/cli-program.test.ts notices a change).
 */
class TrancheCommand extends Command {
  override createCommand(name?: string): Command {
    return new TrancheCommand(name);
  }

  unknownOption(flag: string): void {
    const base = Command.prototype as unknown as { unknownOption(this: Command, flag: string): void };
    base.unknownOption.call(this, flag.split('=')[0]!);
  }
}

/**
 * The `tranche` command line on commander: each command takes only its own options (any other is
 * refused, with the nearest name suggested), and every --help is generated from the same
 * catalogue. `done` gets the exit code of the command that ran.
 */
export function buildProgram(
  h: Handlers,
  done: (code: number) => void,
  output: { writeOut?: (s: string) => void; writeErr?: (s: string) => void } = {},
): Command {
  const program = new TrancheCommand('tranche')
    .description('Tranche - z-score entries, OCO-protected positions, an allocation ledger that never over-allocates.')
    .usage(
      'COMMAND [options]   (npm run tranche -- COMMAND ..., or npm run startTrading / status / emergencyStop / keys / serve)',
    )
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for the options)')
    .helpCommand(false)
    .configureHelp({ sortSubcommands: false, helpWidth: 110 })
    .configureOutput({ ...output, outputError: (text, write) => write(`✖ ${text.replace(/^error: /, '')}`) })
    .exitOverride();

  const run = (handler: Handler, fixed: string[] = []) =>
    async function (this: Command, ...args: unknown[]) {
      const positionals = args
        .slice(0, this.registeredArguments.length)
        .flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]));
      done(await handler([...fixed, ...positionals], valuesOf(this)));
    };

  const command = (parent: Command, name: string, description: string, options: OptionName[], isDefault = false) => {
    const c = parent.command(name, { isDefault }).description(description);
    for (const o of options) c.addOption(new Option(OPTIONS[o][0], OPTIONS[o][1]));
    return c;
  };

  command(
    program,
    'trade',
    'trade the parameter sets until Ctrl+C (live market data) or the end of the data (replay); what npm run startTrading runs',
    [
      'paper',
      'parameterSets',
      'market',
      'balance',
      'fee-rate',
      'slippage-bps',
      'db',
      'data-dir',
      'fresh',
      'log-format',
      'quiet',
      'stop-grace',
      'telegram-chat',
      'telegram-api-url',
      'alert-webhook',
      'skip-saved-alerts',
      'env',
      'confirm-live',
      ...BINANCE_URLS,
    ],
  )
    .addHelpText('after', API_KEYS_NOTE)
    .action(run(h.trade));

  command(
    program,
    'status',
    'print a stored ledger (read-only; works while it trades): balances, allocation status JSON, positions, recent trades',
    [...LEDGER, 'log-format'],
  ).action(run(h.status));

  command(
    program,
    'log',
    "the ledger's journal: orders, fills, closes and the engine's warnings and errors, also of earlier runs",
    [...LEDGER, 'limit', 'level', 'log-format'],
  ).action(run(h.log));

  const params = program
    .command('params')
    .description(
      'the parameter sets saved in the data folder: what trade uses without --parameterSets, and what the desktop app edits',
    );
  command(params, 'show', 'list the saved sets (the default)', ['data-dir'], true).action(run(h.params, ['show']));
  command(params, 'import', "make a parameter file (the seed's shape) the saved sets, after checking it", ['data-dir'])
    .argument('<file>', 'the parameter file')
    .action(run(h.params, ['import']));
  command(params, 'export', "the saved sets in the seed's shape", ['data-dir', 'out']).action(
    run(h.params, ['export']),
  );

  command(
    program,
    'emergency-stop',
    "stop entries, cancel every OCO, sell every position at market, clear reservations. A process trading the ledger (startTrading, serve, the desktop app) is asked to do it over the ledger's control channel. Exit 0 only when the ledger then shows no open position; 1 names what is still open, or the owner that did not answer",
    [...LEDGER, 'log-format', ...BINANCE_URLS],
  ).action(run(h.emergencyStop));

  command(program, 'clear-allocations', 'the emergency reset: clear every reservation (positions stay as they are)', [
    ...LEDGER,
    'log-format',
    ...BINANCE_URLS,
  ]).action(run(h.clearAllocations));

  const keys = program
    .command('keys')
    .description('Binance API keys in the OS keychain (service Tranche, one entry per environment)')
    .addHelpText('after', KEYS_NOTE);
  command(keys, 'list', 'the environments with a key (the key masked: last 4 only)', []).action(run(h.keys, ['list']));
  command(
    keys,
    'set',
    'store an API key for an environment: asks for the key and the secret (echo off), then tries it on Binance',
    ['env', 'private-key-file', 'secret-stdin', 'allow-withdrawals', 'force', 'binance-rest-url'],
  ).action(run(h.keys, ['set']));
  command(keys, 'test', 'try the stored key on Binance: its account and permissions', [
    'env',
    'binance-rest-url',
  ]).action(run(h.keys, ['test']));
  command(keys, 'delete', "remove an environment's API key from the OS keychain", ['env']).action(
    run(h.keys, ['delete']),
  );

  command(
    program,
    'serve',
    'the desktop app in a browser: the trading host on http://127.0.0.1, the built renderer (npm run build), until Ctrl+C',
    ['port', 'data-dir', 'open', 'renderer-dir', 'env', ...BINANCE_URLS],
  )
    .addHelpText(
      'after',
      "\nIt prints the URL to open, with this launch's token. Ctrl+C stops trading (open positions stay protected\nby their OCOs) and the server. --env with the --binance-*-url options names a custom environment (the\nlocal exchange of npm run fake-binance); its market data is also used for paper trading.",
    )
    .action(run(h.serve));

  program.addHelpText('after', API_KEYS_NOTE);
  return program;
}

const KEYS_NOTE = `
Examples:
  npm run keys -- set --env=testnet
  npm run keys -- set --env=live --private-key-file=ed25519-private.pem   (asks for the API key only)
  printf '%s\\n%s\\n' KEY SECRET | npm run keys -- set --env=testnet --secret-stdin
  npm run keys -- test --env=testnet

The key type (HMAC, RSA or Ed25519) is recognised from the secret: an HMAC secret is one line; a
private key is a PEM block (pasted at the prompt it may span lines, up to its END line).
Before storing, Tranche tries the key: it reads the account (GET /api/v3/account, signed, so a
secret that does not belong to the key is refused there, on the testnet too) and asks what the key
may do (GET /sapi/v1/account/apiRestrictions). A key Binance refuses is not stored (unless --force),
a key that can withdraw is refused (unless --allow-withdrawals), a key that cannot trade spot is
stored with a warning. If a check cannot be made (offline, the testnet has no /sapi endpoints) the
key is stored with a warning.
Headless servers without a keychain set BINANCE_API_KEY and BINANCE_API_SECRET instead; when both
are set they take precedence over the keychain.`;

/** The options given to `c`, by their long names (the commands' `values['fee-rate']`). */
function valuesOf(c: Command): Values {
  const given = c.opts<Record<string, unknown>>();
  const values: Record<string, unknown> = {};
  for (const o of c.options) {
    const v = given[o.attributeName()];
    if (v !== undefined && o.long) values[o.long.replace(/^--/, '')] = v;
  }
  return values as Values;
}
