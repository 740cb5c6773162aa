import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import { startFakeBinance } from '../../tools/fake-binance/server';
import { ROOT } from '../helpers/cli';
import {
  clearService,
  describeWithKeychain,
  processesWhoseArgumentsContain,
  runCliAsync,
  testServiceName,
  type ChildResult,
} from './keychain';
import { startPermissionsServer, unreachableUrl, type PermissionsServer } from './permissions-server';

/**
 * `npm run keys -- list | set | delete` end to end: the CLI as a child process, the real OS keychain
 * (under a test service name), and a local server answering /sapi/v1/account/apiRestrictions.
 */
const KEY_1 = 'cliKeyOneAbCdEfGh0123456789cliKeyONE1';
const SECRET_1 = 'cliSecretOneZyXwVu9876543210cliSecretS1';
const KEY_2 = 'cliKeyTwoAbCdEfGh0123456789cliKeyTWO2';
const SECRET_2 = 'cliSecretTwoZyXwVu9876543210cliSecretS2';
const ALL = [KEY_1, SECRET_1, KEY_2, SECRET_2];

describeWithKeychain('keys CLI', () => {
  const service = testServiceName();
  const store = new KeytarSecretStore({ service });
  let server: PermissionsServer;
  const env = { TRANCHE_KEYCHAIN_SERVICE: service, BINANCE_API_KEY: '', BINANCE_API_SECRET: '' };
  const keys = (args: string[], input?: string) => runCliAsync(['keys', ...args], { env, ...(input ? { input } : {}) });
  const setKey = (envName: string, key: string, secret: string, extra: string[] = []) =>
    keys(
      ['set', `--env=${envName}`, '--secret-stdin', `--binance-rest-url=${server.url}`, ...extra],
      `${key}\n${secret}\n`,
    );
  /** Nothing the CLI printed holds a full key or a secret. */
  const clean = (r: ChildResult) => {
    for (const s of ALL) {
      expect(r.stdout).not.toContain(s);
      expect(r.stderr).not.toContain(s);
    }
  };

  beforeAll(async () => {
    server = await startPermissionsServer();
  });
  afterAll(async () => {
    await server.close();
    await clearService(service);
  });

  it('set --secret-stdin: checks the permissions with a signed request, stores the key, prints it masked', async () => {
    server.setKnownKey(KEY_1, SECRET_1);
    server.answer({ kind: 'permissions', enableWithdrawals: false });
    // While the CLI waits for the answer, no process on this machine has the secret (or the key) in its arguments.
    const inArguments: string[] = [];
    server.beforeAnswer(() => {
      inArguments.push(...processesWhoseArgumentsContain(SECRET_1), ...processesWhoseArgumentsContain(KEY_1));
    });
    const before = server.requests.length;
    const r = await setKey('local', KEY_1, SECRET_1);
    server.beforeAnswer(undefined);
    clean(r);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `Trying the key at ${server.url} (its account and its permissions) ...`,
      'Account: SPOT, trading allowed, permissions SPOT, 1 asset(s)',
      'Permissions: reading on, spot trading on, withdrawals off, IP restricted on',
      `✔ Stored HMAC API key ••••••••ONE1 for local in the OS keychain (${service}/local).`,
      '',
    ]);
    expect(server.requests.slice(before)).toEqual([
      expect.objectContaining({ path: '/api/v3/account', apiKeyHeader: KEY_1, signatureValid: true }),
      expect.objectContaining({ path: '/sapi/v1/account/apiRestrictions', apiKeyHeader: KEY_1, signatureValid: true }),
    ]);
    expect(inArguments).toEqual([]);
    expect(await store.get('local')).toEqual({ apiKey: KEY_1, apiSecret: SECRET_1 });
  });

  it('list shows the environments with the key masked: last 4 only, never the secret', async () => {
    const r = await keys(['list']);
    clean(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`API keys in the OS keychain (service ${service}):\n  local  ••••••••ONE1\n`);
  });

  it('refuses a key that can withdraw (exit 2) and stores nothing', async () => {
    server.setKnownKey(KEY_2, SECRET_2);
    server.answer({ kind: 'permissions', enableWithdrawals: true });
    const r = await setKey('withdrawer', KEY_2, SECRET_2);
    clean(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^✖ not stored: this API key can withdraw funds \(enableWithdrawals is on\)\./);
    expect(r.stderr).toContain('pass --allow-withdrawals');
    expect(r.stdout).not.toContain('Stored');
    expect(await store.get('withdrawer')).toBeUndefined();
    // The same refusal leaves an existing entry alone.
    const again = await setKey('local', KEY_2, SECRET_2);
    expect(again.code).toBe(2);
    expect(await store.get('local')).toEqual({ apiKey: KEY_1, apiSecret: SECRET_1 });
  });

  it('refuses a right key with a wrong secret (-1022) and stores nothing; --force stores it with a warning; keys test says so', async () => {
    server.setKnownKey(KEY_2, SECRET_2);
    server.answer({ kind: 'permissions', enableWithdrawals: false });
    const r = await setKey('wrongsecret', KEY_2, SECRET_1);
    clean(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^✖ not stored: Binance refused the key \(-1022 Signature for this request is not valid\.\): the secret does not belong to this key/,
    );
    expect(r.stderr.replace(/\s+/g, ' ')).toContain('pass --force to store it anyway');
    expect(await store.get('wrongsecret')).toBeUndefined();
    const forced = await setKey('wrongsecret', KEY_2, SECRET_1, ['--force']);
    clean(forced);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/stored although Binance refused it, because you insisted/);
    expect(await store.get('wrongsecret')).toEqual({ apiKey: KEY_2, apiSecret: SECRET_1 });
    const tested = await keys(['test', '--env=wrongsecret', `--binance-rest-url=${server.url}`]);
    clean(tested);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain('Account: not read: Binance refused the key (-1022');
    expect(tested.stderr).toMatch(/Binance refused this key: Binance refused the key \(-1022/);
    // The right pair works.
    await setKey('wrongsecret', KEY_2, SECRET_2);
    const ok = await keys(['test', '--env=wrongsecret', `--binance-rest-url=${server.url}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Account: SPOT, trading allowed');
    expect(ok.stdout).toContain('✔ The key works.');
    server.answer({ kind: 'permissions', enableWithdrawals: true }); // as the next test expects
    expect((await keys(['delete', '--env=wrongsecret'])).code).toBe(0);
  });

  it('stores a key that can withdraw with --allow-withdrawals, with a warning', async () => {
    const r = await setKey('withdrawer', KEY_2, SECRET_2, ['--allow-withdrawals']);
    clean(r);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^⚠️ {2}this API key can withdraw funds \(enableWithdrawals is on\): stored because you allowed it/,
    );
    expect(r.stdout).toContain('✔ Stored HMAC API key ••••••••TWO2 for withdrawer');
    expect(await store.get('withdrawer')).toEqual({ apiKey: KEY_2, apiSecret: SECRET_2 });
  });

  it('warns when spot trading is not enabled on the key, and replaces the previous key', async () => {
    server.answer({ kind: 'permissions', enableWithdrawals: false, enableSpotAndMarginTrading: false });
    const r = await setKey('local', KEY_2, SECRET_2);
    clean(r);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^⚠️ {2}spot trading is not enabled on this key/);
    expect(r.stdout).toContain(
      `✔ Stored HMAC API key ••••••••TWO2 for local in the OS keychain (${service}/local), replacing ••••••••ONE1.`,
    );
    expect(await store.get('local')).toEqual({ apiKey: KEY_2, apiSecret: SECRET_2 });
  });

  it('stores with a warning when the permissions cannot be checked: unreachable server', async () => {
    const url = await unreachableUrl();
    const r = await keys(
      ['set', '--env=offline', '--secret-stdin', `--binance-rest-url=${url}`],
      `${KEY_1}\n${SECRET_1}\n`,
    );
    clean(r);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `⚠️  the account could not be read: ${url} could not be reached (ECONNREFUSED)\n` +
        `⚠️  the key's permissions were not checked: ${url} could not be reached (ECONNREFUSED). Make sure on Binance (API Management) that it cannot withdraw and that spot trading is enabled.\n`,
    );
    expect(r.stdout).toContain('✔ Stored HMAC API key ••••••••ONE1 for offline');
    expect(await store.get('offline')).toEqual({ apiKey: KEY_1, apiSecret: SECRET_1 });
  });

  it('stores with a warning on a testnet without the endpoint (HTTP 404)', async () => {
    server.setKnownKey(KEY_1, SECRET_1);
    server.answer({ kind: 'status', status: 404 });
    const r = await setKey('testnet', KEY_1, SECRET_1);
    clean(r);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `the key's permissions were not checked: ${server.url} does not offer GET /sapi/v1/account/apiRestrictions (HTTP 404`,
    );
    expect(await store.get('testnet')).toEqual({ apiKey: KEY_1, apiSecret: SECRET_1 });
  });

  it('stores with a warning for a custom environment without --binance-rest-url', async () => {
    const r = await keys(['set', '--env=my-box', '--secret-stdin'], `${KEY_1}\n${SECRET_1}\n`);
    clean(r);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "the key's permissions were not checked: my-box is a custom environment and no --binance-rest-url was given to check it at.",
    );
  });

  it.each(['ed25519', 'rsa'] as const)(
    'set --private-key-file: a %s key, checked at the exchange with its own signature, stored with its type',
    async (type) => {
      const pair =
        type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const apiKey = `cli${type}KeyAbCdEfGh0123456789xyz9`;
      const fake = await startFakeBinance({
        accounts: [
          { apiKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), balances: {} },
        ],
      });
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'tranche-pem-'));
      try {
        const file = path.join(tmp, 'private.pem');
        writeFileSync(file, pem, { mode: 0o600 });
        const r = await keys(
          [
            'set',
            `--env=${type}-env`,
            `--private-key-file=${file}`,
            '--secret-stdin',
            `--binance-rest-url=${fake.restUrl}`,
          ],
          `${apiKey}\n`,
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('Permissions: reading on, spot trading on, withdrawals off');
        expect(r.stdout).toContain(`✔ Stored ${type === 'rsa' ? 'RSA' : 'Ed25519'} API key •`);
        expect(r.stdout + r.stderr).not.toContain(pem.split('\n')[1]!);
        expect(await store.get(`${type}-env`)).toEqual({ apiKey, apiSecret: pem.trim() });
        // The public key is not a private key: refused, naming the file, nothing stored.
        const pub = path.join(tmp, 'public.pem');
        writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
        const bad = await keys(
          ['set', `--env=${type}-bad`, `--private-key-file=${pub}`, '--secret-stdin'],
          `${apiKey}\n`,
        );
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain(`--private-key-file ${pub} is not a PEM private key`);
        expect(await store.get(`${type}-bad`)).toBeUndefined();
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        await fake.close();
        await store.delete(`${type}-env`);
      }
    },
  );

  it('refuses bad input without storing or echoing it', async () => {
    const oneLine = await keys(['set', '--env=bad', '--secret-stdin'], `${KEY_1}\n`);
    expect(oneLine.code).toBe(2);
    expect(oneLine.stderr).toContain(
      '--secret-stdin expects exactly two non-empty lines, the API key then the secret; got 1',
    );
    const spaces = await keys(['set', '--env=bad', '--secret-stdin'], `${KEY_1}\nsecret with spaces\n`);
    expect(spaces.code).toBe(2);
    expect(spaces.stderr).toBe(
      '✖ not stored: the API secret contains spaces or characters that are not printable ASCII\n',
    );
    const noTty = await keys(['set', '--env=bad'], `${KEY_1}\n${SECRET_1}\n`);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('stdin is not a terminal');
    const badEnv = await keys(['set', '--env=Live', '--secret-stdin'], `${KEY_1}\n${SECRET_1}\n`);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('--env=Live is not valid');
    for (const r of [oneLine, spaces, noTty, badEnv]) clean(r);
    expect(await store.get('bad')).toBeUndefined();
  });

  it('delete removes the entry; deleting again says there is nothing (exit 1)', async () => {
    const r = await keys(['delete', '--env=local']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`✔ Deleted the API key for local from the OS keychain (${service}/local).\n`);
    expect(await store.get('local')).toBeUndefined();
    const again = await keys(['delete', '--env=local']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`✖ no API key stored for local in the OS keychain (${service}): nothing deleted\n`);
    const list = await keys(['list']);
    clean(list);
    expect(list.stdout.split('\n').slice(1, -1)).toEqual([
      '  my-box      ••••••••ONE1',
      '  offline     ••••••••ONE1',
      '  testnet     ••••••••ONE1',
      '  withdrawer  ••••••••TWO2',
    ]);
  });

  it('list mentions BINANCE_API_KEY / BINANCE_API_SECRET when they are set, masked', async () => {
    const r = await runCliAsync(['keys', 'list'], {
      env: { ...env, BINANCE_API_KEY: KEY_2, BINANCE_API_SECRET: SECRET_2 },
    });
    clean(r);
    expect(r.stdout.split('\n')[0]).toBe(
      'BINANCE_API_KEY / BINANCE_API_SECRET are set (••••••••TWO2): they are used for every environment, ahead of the keychain.',
    );
  });

  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  it.runIf(process.platform === 'linux' && script !== undefined).each([
    { how: 'typed one answer after the other', env: 'typed', paste: false },
    { how: 'both lines pasted at once', env: 'pasted', paste: true },
  ])('set at a terminal: asks for the key and the secret with echo off ($how)', async ({ env: envName, paste }) => {
    server.setKnownKey(KEY_1, SECRET_1);
    server.answer({ kind: 'permissions', enableWithdrawals: false });
    const cmd = [
      process.execPath,
      '--import',
      'tsx',
      path.join(ROOT, 'electron/cli/main.ts'),
      'keys',
      'set',
      `--env=${envName}`,
      `--binance-rest-url=${server.url}`,
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    // util-linux script(1) gives the CLI a pseudo-terminal; whatever the terminal echoes comes back on its stdout.
    const child = spawn(script!, ['-q', '-e', '-c', cmd, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    const waitFor = async (text: string) => {
      const end = Date.now() + 30_000;
      while (!screen.includes(text)) {
        if (Date.now() > end) throw new Error(`no "${text}" on the terminal:\n${screen}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor('Binance API key (input hidden): ');
      if (paste) {
        child.stdin.write(`${KEY_1}\r${SECRET_1}\r`);
      } else {
        child.stdin.write(`${KEY_1}\r`);
        await waitFor('Binance API secret (input hidden): ');
        child.stdin.write(`${SECRET_1}\r`);
      }
      await waitFor('✔ Stored');
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(screen).toContain('API key ••••••••ONE1');
    expect(screen).toContain('Binance API secret (input hidden): ');
    expect(screen).toContain(`✔ Stored HMAC API key ••••••••ONE1 for ${envName}`);
    expect(screen).not.toContain(KEY_1);
    expect(screen).not.toContain(SECRET_1);
    expect(await store.get(envName)).toEqual({ apiKey: KEY_1, apiSecret: SECRET_1 });
  });
});
