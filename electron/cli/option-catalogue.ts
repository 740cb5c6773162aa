/**
 * Every option of the `tranche` command line, once: its flags and its help line. Each command
 * takes the ones it lists in program.ts; any other is refused with a suggestion. The commands
 * read them as `values['fee-rate']` (the long name without its dashes).
 */
export const OPTIONS = {
  paper: [
    '--paper',
    'paper trading: simulated fills on real prices; without it, live trading on Binance (--env, default live) after a typed confirmation',
  ],
  parameterSets: [
    '--parameterSets <path>',
    'parameter file, the seed\'s shape { "parameterSets": [ ... ] }; without it, the sets saved in the data folder (the ones the desktop app edits; params import FILE makes a file those)',
  ],
  market: [
    '--market <where>',
    'binance: live Binance market data (default; no API key needed); replay:DIR: Binance kline CSVs (<SYMBOL>-<interval>-*.csv) from DIR, as fast as possible',
  ],
  balance: [
    '--balance <amount>',
    'paper starting balance in the quote asset, used when the ledger is new (default 1000)',
  ],
  'fee-rate': ['--fee-rate <fraction>', 'paper commission per fill (default 0.001: 0.1%)'],
  'slippage-bps': [
    '--slippage-bps <n>',
    'paper market orders fill this many basis points worse than the price (default 5)',
  ],
  db: [
    '--db <file>',
    'ledger file (default: paper.sqlite, live-<env>.sqlite, or replay-<DIR>-<hash>.sqlite in the data folder)',
  ],
  'data-dir': ['--data-dir <dir>', 'data folder (default ~/.config/Tranche on Linux, or $TRANCHE_DATA_DIR)'],
  fresh: ['--fresh', 'replays: delete the replay ledger and start over'],
  'log-format': [
    '--log-format <format>',
    'pretty (console lines as in the seed; default) or json (one JSON object per line)',
  ],
  quiet: ['--quiet', 'pretty format without signal and skip lines'],
  'stop-grace': [
    '--stop-grace <seconds>',
    'how long a triggered stop-limit may rest unfilled below the market before the rest is sold at market (default 10)',
  ],
  'telegram-chat': [
    '--telegram-chat <id>',
    'alerts to this Telegram chat (numeric id or @channel) for entries, exits, errors, bans and corrections; the bot token in TRANCHE_TELEGRAM_TOKEN; sessions on live prices only. Without any alert option, the alerts saved in the desktop app (Settings > Alerts) are used',
  ],
  'telegram-api-url': ['--telegram-api-url <url>', "the Bot API's address (default https://api.telegram.org)"],
  'alert-webhook': [
    '--alert-webhook <url>',
    'the same alerts as a JSON POST {source, kind, symbol, text, time} to this URL',
  ],
  'skip-saved-alerts': [
    '--skip-saved-alerts',
    'no alerts from what the desktop app saved (Settings > Alerts); the alert options above still send',
  ],
  env: [
    '--env <name>',
    'the Binance environment: live (default), testnet, or a custom NAME (lower-case letters, digits and dashes) with its URLs',
  ],
  'confirm-live': [
    '--confirm-live',
    'live trading without the typed confirmation (scripts, supervisors): the account and the amount at stake are still printed',
  ],
  'binance-rest-url': [
    '--binance-rest-url <url>',
    "a custom environment's REST address (for example the local exchange of npm run fake-binance)",
  ],
  'binance-ws-url': ['--binance-ws-url <url>', "a custom environment's market and user data stream address"],
  'binance-ws-api-url': ['--binance-ws-api-url <url>', "a custom environment's WebSocket API address"],
  'secret-stdin': [
    '--secret-stdin',
    'read two lines "key\\nsecret" from stdin instead of prompting (with --private-key-file: one line, the key); never pass a secret as an argument',
  ],
  'private-key-file': [
    '--private-key-file <path>',
    'the PEM private key of an Ed25519 or RSA API key (Binance recommends Ed25519); read once and kept in the keychain',
  ],
  'allow-withdrawals': ['--allow-withdrawals', 'store a key even though Binance says it can withdraw funds'],
  force: [
    '--force',
    "store a key even though Binance refused it (-1022: the secret is not the key's; -2014, -2015: a bad key, or not allowed from this IP)",
  ],
  port: ['--port <n>', 'port on 127.0.0.1 (default 0: the OS chooses)'],
  open: [
    '--open',
    "open the address in this computer's browser (xdg-open, open or start); where there is none, open the printed address yourself",
  ],
  'renderer-dir': ['--renderer-dir <dir>', 'serve another build of the renderer (default out/renderer)'],
  out: ['--out <file>', 'write to this file instead of stdout'],
  limit: ['--limit <n>', 'how many journal lines, newest last (default 100, at most 100000)'],
  level: ['--level <level>', 'all (default), warning (warnings and errors) or error'],
} as const satisfies Record<string, readonly [flags: string, description: string]>;

export type OptionName = keyof typeof OPTIONS;

type FlagOf<K extends OptionName> = (typeof OPTIONS)[K][0];
type ValueOf<K extends OptionName> = FlagOf<K> extends `${string}<${string}` ? string : boolean;

/** What a command receives: the options given, by long name. */
export type Values = { [K in OptionName]?: ValueOf<K> };
