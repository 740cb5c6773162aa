import { maskKey } from '../../../shared/secrets/mask-key';
import {
  judgeKeyTest,
  keyTestLines,
  restBaseFor,
  testApiKey,
  type KeyTest,
} from '../../adapters/binance/api-key-permissions';
import { EnvSecretStore } from '../../adapters/secrets/env-secret-store';
import { KeychainUnavailableError, KeytarSecretStore } from '../../adapters/secrets/keytar-secret-store';
import { readFileSync, statSync } from 'node:fs';
import { apiKeyTypeOf } from '../../adapters/binance/signer';
import {
  credentialsProblem,
  isEnvironmentName,
  isPrivateKeyPem,
  type ApiCredentials,
} from '../../core/ports/secret-store';
import { UsageError, type Values } from '../options';

const MAX_STDIN_BYTES = 64 * 1024;

type Io = {
  out: (line: string) => void;
  warn: (line: string) => void;
  fail: (line: string) => void;
};

const io: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  warn: (l) => process.stderr.write(`⚠️  ${l}\n`),
  fail: (l) => process.stderr.write(`✖ ${l}\n`),
};

/** `keys list | set | delete`: API keys in the OS keychain. */
export async function keysCommand(args: string[], values: Values): Promise<number> {
  const [sub, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`unexpected argument(s) after keys ${sub}: ${rest.join(' ')}`);
  const keychain = new KeytarSecretStore();
  const env = new EnvSecretStore();
  try {
    switch (sub) {
      case 'list':
        return await listKeys(keychain, env);
      case 'set':
        return await setKey(keychain, env, values);
      case 'delete':
        return await deleteKey(keychain, environmentOption(values, 'delete'));
      case 'test':
        return await testKey(keychain, env, values);
      default:
        throw new UsageError(
          `unknown keys command "${sub}"; use keys list, keys set --env=NAME, keys test --env=NAME or keys delete --env=NAME`,
        );
    }
  } catch (e) {
    if (e instanceof KeychainUnavailableError) {
      io.fail(e.message);
      return 1;
    }
    throw e;
  }
}

function environmentOption(values: Values, sub: string): string {
  const name = values.env;
  if (!name) throw new UsageError(`keys ${sub} needs --env=live, --env=testnet or --env=NAME`);
  if (!isEnvironmentName(name)) {
    throw new UsageError(
      `--env=${name} is not valid: use live, testnet, or a name of lower-case letters, digits and dashes (at most 32)`,
    );
  }
  return name;
}

async function listKeys(keychain: KeytarSecretStore, env: EnvSecretStore): Promise<number> {
  const fromEnv = envKeyLine(env);
  if (fromEnv) io.out(fromEnv);
  const names = await keychain.environments();
  if (names.length === 0) {
    io.out(
      `No API keys in the OS keychain (service ${keychain.service}). Store one with: npm run keys -- set --env=testnet`,
    );
    return 0;
  }
  io.out(`API keys in the OS keychain (service ${keychain.service}):`);
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    let shown: string;
    try {
      const creds = await keychain.get(name);
      shown = creds ? maskKey(creds.apiKey) : '(gone)';
    } catch (e) {
      if (e instanceof KeychainUnavailableError) throw e;
      shown = '(not a Tranche key pair: store it again with keys set)';
    }
    io.out(`  ${name.padEnd(width)}  ${shown}`);
  }
  return 0;
}

/** A line about BINANCE_API_KEY / BINANCE_API_SECRET when they are set (they win over the keychain). */
function envKeyLine(env: EnvSecretStore): string | undefined {
  if (env.isHalfSet()) return `Only one of BINANCE_API_KEY / BINANCE_API_SECRET is set: set both, or neither.`;
  if (!env.isSet()) return undefined;
  const key = process.env.BINANCE_API_KEY ?? '';
  return `BINANCE_API_KEY / BINANCE_API_SECRET are set (${maskKey(key)}): they are used for every environment, ahead of the keychain.`;
}

/** `keys test --env=NAME`: the stored key (or BINANCE_API_* when set) tried on Binance; exit 1 when Binance refuses it. */
async function testKey(keychain: KeytarSecretStore, env: EnvSecretStore, values: Values): Promise<number> {
  const environment = environmentOption(values, 'test');
  const creds = env.isSet() ? await env.get(environment) : await keychain.get(environment);
  if (!creds) {
    io.fail(`no API key stored for ${environment}: store one with npm run keys -- set --env=${environment}`);
    return 1;
  }
  const base = restBaseFor(environment, values['binance-rest-url']);
  if (!base) {
    io.fail(`${environment} is a custom environment: give --binance-rest-url to test its key there`);
    return 2;
  }
  io.out(
    `Trying ${env.isSet() ? 'the key in BINANCE_API_KEY' : `the key stored for ${environment}`} (${maskKey(creds.apiKey)}) at ${base} ...`,
  );
  const test = await testApiKey(creds, { restBaseUrl: base });
  for (const line of keyTestLines(test)) io.out(line);
  const verdict = judgeKeyTest(test, { allowWithdrawals: false, insist: false });
  for (const w of verdict.warnings) io.warn(w);
  if (verdict.refuse) {
    io.fail(`Binance refused this key: ${verdict.refuse}`);
    return 1;
  }
  if (!test.account.ok) return 1;
  io.out('✔ The key works.');
  return 0;
}

async function setKey(keychain: KeytarSecretStore, env: EnvSecretStore, values: Values): Promise<number> {
  const environment = environmentOption(values, 'set');
  // Fail on a missing keychain before anyone types a secret.
  await keychain.probe();
  const pemFile = values['private-key-file'];
  const privateKey = pemFile ? readPrivateKeyFile(pemFile) : undefined;
  const creds = values['secret-stdin'] ? await readPipedCredentials(privateKey) : await promptCredentials(privateKey);
  const problem = credentialsProblem(creds);
  if (problem) {
    io.fail(`not stored: ${problem}`);
    return 2;
  }
  let keyType: string;
  try {
    keyType = apiKeyTypeOf(creds.apiSecret);
  } catch (e) {
    io.fail(`not stored: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }

  const base = restBaseFor(environment, values['binance-rest-url']);
  let test: KeyTest;
  if (base) {
    io.out(`Trying the key at ${base} (its account and its permissions) ...`);
    test = await testApiKey(creds, { restBaseUrl: base });
  } else {
    const reason = `${environment} is a custom environment and no --binance-rest-url was given to check it at`;
    test = { account: { ok: false, reason, refused: false }, permissions: { checked: false, reason } };
  }
  const verdict = judgeKeyTest(test, {
    allowWithdrawals: values['allow-withdrawals'] === true,
    insist: values.force === true,
  });
  if (verdict.refuse) {
    io.fail(
      `not stored: ${verdict.refuse}. ${verdict.override === 'insist' ? 'If you are sure the key is right, pass --force to store it anyway.' : 'To store it anyway, pass --allow-withdrawals.'} Nothing was stored.`,
    );
    return 2;
  }
  if (base) for (const line of keyTestLines(test)) io.out(line);

  const previous = await keychain.get(environment).catch((e: unknown) => {
    if (e instanceof KeychainUnavailableError) throw e;
    return undefined; // an unreadable entry is simply replaced
  });
  await keychain.set(environment, creds);
  for (const w of verdict.warnings) io.warn(w);
  for (const n of verdict.notes) io.out(`Note: ${n}`);
  io.out(
    `✔ Stored ${keyType} API key ${maskKey(creds.apiKey)} for ${environment} in the OS keychain (${keychain.service}/${environment})` +
      (previous ? `, replacing ${maskKey(previous.apiKey)}.` : '.'),
  );
  if (env.isSet()) {
    io.warn(
      'BINANCE_API_KEY / BINANCE_API_SECRET are set in this environment: while they are, they are used instead of the keychain.',
    );
  }
  return 0;
}

async function deleteKey(keychain: KeytarSecretStore, environment: string): Promise<number> {
  const deleted = await keychain.delete(environment);
  if (!deleted) {
    io.fail(`no API key stored for ${environment} in the OS keychain (${keychain.service}): nothing deleted`);
    return 1;
  }
  io.out(`✔ Deleted the API key for ${environment} from the OS keychain (${keychain.service}/${environment}).`);
  return 0;
}

/** --private-key-file: the PEM private key of an RSA or Ed25519 key, read once (its contents go to the keychain). */
function readPrivateKeyFile(file: string): string {
  let text: string;
  try {
    if (statSync(file).size > 16 * 1024)
      throw new UsageError(`--private-key-file ${file} is too large for a private key`);
    text = readFileSync(file, 'utf8').trim();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--private-key-file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!isPrivateKeyPem(text))
    throw new UsageError(
      `--private-key-file ${file} is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----); it is the file you generated for your Ed25519 or RSA API key, not the public key you gave Binance`,
    );
  return text;
}

/** --secret-stdin: two non-empty lines, the key then the secret, from a pipe (never from a terminal, where they would echo). */
async function readPipedCredentials(privateKey?: string): Promise<ApiCredentials> {
  if (process.stdin.isTTY) {
    throw new UsageError(
      '--secret-stdin reads from a pipe (printf "%s\\n%s\\n" KEY SECRET | ...); at a terminal leave it out to be asked with echo off',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_STDIN_BYTES) throw new UsageError('--secret-stdin: more input than an API key and a secret');
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (privateKey) {
    if (lines.length !== 1)
      throw new UsageError(
        `--secret-stdin with --private-key-file expects one non-empty line, the API key; got ${lines.length}`,
      );
    return { apiKey: lines[0]!, apiSecret: privateKey };
  }
  if (lines.length > 2 && lines[1] && isPrivateKeyPem(lines[1])) {
    // The key, then a PEM private key over several lines.
    return { apiKey: lines[0]!, apiSecret: lines.slice(1).join('\n') };
  }
  if (lines.length !== 2) {
    throw new UsageError(
      `--secret-stdin expects exactly two non-empty lines, the API key then the secret; got ${lines.length}`,
    );
  }
  return { apiKey: lines[0]!, apiSecret: lines[1]! };
}

async function promptCredentials(privateKey?: string): Promise<ApiCredentials> {
  if (!process.stdin.isTTY) {
    throw new UsageError(
      'stdin is not a terminal, so the key cannot be asked for: pipe the key and the secret as two lines and pass --secret-stdin',
    );
  }
  // One raw-mode (echo off) session for both answers: the terminal never echoes in between, even
  // when both lines are pasted at once.
  const reader = new HiddenLineReader(process.stdin);
  try {
    const apiKey = (await reader.ask('Binance API key (input hidden): ')).trim();
    process.stderr.write(`  API key ${maskKey(apiKey)}\n`);
    if (privateKey) return { apiKey, apiSecret: privateKey };
    let apiSecret = (await reader.ask('Binance API secret (input hidden): ')).trim();
    if (isPrivateKeyPem(apiSecret) && !/-----END [A-Z ]*PRIVATE KEY-----/.test(apiSecret)) {
      // A PEM pasted over several lines: read up to its END line.
      const lines = [apiSecret];
      for (let i = 0; i < 200; i++) {
        const line = (await reader.next()).trim();
        lines.push(line);
        if (/-----END [A-Z ]*PRIVATE KEY-----/.test(line)) break;
      }
      apiSecret = lines.join('\n');
    }
    return { apiKey, apiSecret };
  } finally {
    reader.close();
  }
}

class PromptCancelled extends UsageError {
  constructor() {
    super('cancelled: nothing was stored');
  }
}

/**
 * Lines typed at the terminal with echo off (raw mode, set before the first prompt and kept until
 * close): Enter ends a line, Backspace and Ctrl+U edit, Ctrl+C and Ctrl+D on an empty line cancel.
 * Lines typed ahead are kept for the next question.
 */
class HiddenLineReader {
  private lines: string[] = [];
  private current = '';
  private cancelled = false;
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | undefined;
  private readonly onData = (chunk: Buffer | string) => {
    // Bracketed paste markers and other escape sequences are not part of the key.
    const text = String(chunk).replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, ''); // eslint-disable-line no-control-regex
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') {
        this.lines.push(this.current);
        this.current = '';
      } else if (ch === '\u0003' || (ch === '\u0004' && this.current === '')) {
        this.cancelled = true;
        break;
      } else if (ch === '\u0004') {
        this.lines.push(this.current);
        this.current = '';
      } else if (ch === '\u007f' || ch === '\b') this.current = this.current.slice(0, -1);
      else if (ch === '\u0015') this.current = '';
      else if (ch >= ' ') this.current += ch;
    }
    this.deliver();
  };

  constructor(private readonly input: NodeJS.ReadStream) {
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.resume();
  }

  private readonly onEnd = () => {
    this.cancelled = true;
    this.deliver();
  };

  ask(question: string): Promise<string> {
    process.stderr.write(question);
    return this.next();
  }

  /** The next line, without a prompt (the rest of a pasted block). */
  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  close(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.setRawMode(false);
    this.input.pause();
    this.lines = [];
    this.current = '';
  }

  private deliver(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.cancelled) {
      this.waiting = undefined;
      process.stderr.write('\n');
      w.reject(new PromptCancelled());
    } else if (this.lines.length > 0) {
      this.waiting = undefined;
      process.stderr.write('\n');
      w.resolve(this.lines.shift()!);
    }
  }
}
